package org.trackpeer.proto;

import java.net.InetAddress;
import java.util.Objects;
import org.trackpeer.net.MacAddress;

/**
 * One LAN-side sighting that matches a query.
 *
 * @param mac the LAN computer's hardware address, or null when the frames carried none
 *     (Linux cooked capture of a link without addresses)
 * @param insideAddress the computer's own (inside) address
 * @param insidePort the computer's own source port
 * @param destination the server address the flow went to (differs between records of a
 *     wildcard answer only in port; kept so the record stands alone)
 * @param destinationPort the server port
 * @param vlan the innermost 802.1Q VLAN id, or -1 for untagged frames
 * @param interfaceName the capture interface, at most 15 ASCII characters
 * @param firstSeenNanos first frame of the flow, nanoseconds since the Epoch (UTC)
 * @param lastSeenNanos last frame of the flow, nanoseconds since the Epoch (UTC)
 */
public record PeerRecord(
    MacAddress mac,
    InetAddress insideAddress,
    int insidePort,
    InetAddress destination,
    int destinationPort,
    int vlan,
    String interfaceName,
    long firstSeenNanos,
    long lastSeenNanos) {
  public static final int INTERFACE_NAME_MAX = 15;

  public PeerRecord {
    Objects.requireNonNull(insideAddress, "insideAddress");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(interfaceName, "interfaceName");
    if (vlan < -1 || vlan > 4095) {
      throw new IllegalArgumentException("vlan out of range -1..4095: " + vlan);
    }
  }
}
