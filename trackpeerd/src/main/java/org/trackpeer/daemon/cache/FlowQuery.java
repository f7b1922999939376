package org.trackpeer.daemon.cache;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * What {@link FlowCache#find} looks for.
 *
 * @param protocol IP protocol number (6 TCP, 17 UDP, ...)
 * @param srcAddress the inside source address, or null for any (the NAT form: the router
 *     rewrote it, only the port survives)
 * @param srcPort the source port, or {@link #ANY_PORT} for every flow to the destination
 * @param dstAddress the destination address
 * @param dstPort the destination port
 * @param fromWallNanos start of the time window, nanoseconds since the Epoch (inclusive)
 * @param toWallNanos end of the time window, nanoseconds since the Epoch (inclusive)
 * @param limit the most records returned
 */
public record FlowQuery(
    int protocol,
    InetAddress srcAddress,
    int srcPort,
    InetAddress dstAddress,
    int dstPort,
    long fromWallNanos,
    long toWallNanos,
    int limit) {
  /** Value of {@link #srcPort} that matches every source port. */
  public static final int ANY_PORT = -1;

  /** Validates ranges and that both addresses are of one family. */
  public FlowQuery {
    Objects.requireNonNull(dstAddress, "dstAddress");
    if (protocol < 0 || protocol > 255) {
      throw new IllegalArgumentException("protocol out of range 0-255: " + protocol);
    }
    if (srcPort < ANY_PORT || srcPort > 65535) {
      throw new IllegalArgumentException("srcPort out of range -1..65535: " + srcPort);
    }
    if (dstPort < 0 || dstPort > 65535) {
      throw new IllegalArgumentException("dstPort out of range 0-65535: " + dstPort);
    }
    if (srcAddress != null
        && (srcAddress instanceof Inet4Address) != (dstAddress instanceof Inet4Address)) {
      throw new IllegalArgumentException("source and destination differ in address family");
    }
    if (fromWallNanos > toWallNanos) {
      throw new IllegalArgumentException("empty window: " + fromWallNanos + " > " + toWallNanos);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
  }

  /** Returns true when every source port matches. */
  public boolean anySourcePort() {
    return srcPort == ANY_PORT;
  }
}
