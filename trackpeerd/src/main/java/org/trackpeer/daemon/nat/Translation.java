package org.trackpeer.daemon.nat;

import java.util.Objects;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;

/**
 * One address translation of a connection: the LAN host's {@code inside} endpoint, the public
 * {@code outside} endpoint the server saw, and the server's {@code destination} endpoint.
 *
 * @param protocol IP protocol number (6 TCP, 17 UDP)
 * @param inside the LAN host's address and port, before translation
 * @param outside the public address and port after translation, as the server saw them
 * @param destination the server's address and port
 * @param seenWallNanos when the translation was learned, nanoseconds since the Epoch
 * @param evidence {@link Evidence#TRANSLATION} or {@link Evidence#PAIRED_CAPTURE}
 */
public record Translation(
    int protocol,
    Endpoint inside,
    Endpoint outside,
    Endpoint destination,
    long seenWallNanos,
    Evidence evidence) {

  /** Checks that no part is missing and the evidence is one a translation can carry. */
  public Translation {
    Objects.requireNonNull(inside, "inside");
    Objects.requireNonNull(outside, "outside");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(evidence, "evidence");
    if (evidence != Evidence.TRANSLATION && evidence != Evidence.PAIRED_CAPTURE) {
      throw new IllegalArgumentException("not a translation evidence: " + evidence);
    }
    if (protocol < 0 || protocol > 255) {
      throw new IllegalArgumentException("protocol out of range 0-255: " + protocol);
    }
  }

  /** Returns true when the router changed the address or the port. */
  public boolean translated() {
    return !inside.equals(outside);
  }

  @Override
  public String toString() {
    return protocolName(protocol) + " " + inside + " -> " + outside + " -> " + destination
        + " (" + evidence.label() + ")";
  }

  static String protocolName(int protocol) {
    switch (protocol) {
      case 6:
        return "tcp";
      case 17:
        return "udp";
      default:
        return "proto" + protocol;
    }
  }
}
