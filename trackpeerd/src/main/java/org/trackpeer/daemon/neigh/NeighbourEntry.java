package org.trackpeer.daemon.neigh;

/**
 * One usable row of the kernel's neighbour table: an IP address bound to a hardware address on
 * an interface.
 *
 * @param iface device name as the kernel prints it (may contain dots, e.g. {@code eth0.100})
 * @param ip address text: dotted quad, or IPv6 as printed by {@code ip} (lower case)
 * @param mac hardware address in the low 48 bits
 * @param flags bit set of {@link #PERMANENT}, {@link #PROXY}, {@link #ROUTER}
 */
record NeighbourEntry(String iface, String ip, long mac, int flags) {
  /** Static entry (ATF_PERM, or IPv6 PERMANENT): never expires. */
  static final int PERMANENT = 1;
  /** Published / proxy entry (ATF_PUBL, or the IPv6 {@code proxy} word). */
  static final int PROXY = 2;
  /** The neighbour announced itself as an IPv6 router. */
  static final int ROUTER = 4;

  boolean isIpv6() {
    return ip.indexOf(':') >= 0;
  }
}
