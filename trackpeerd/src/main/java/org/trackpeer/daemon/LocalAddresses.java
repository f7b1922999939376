package org.trackpeer.daemon;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trackpeer.net.MacAddress;

/**
 * The router's own hardware and IP addresses, re-read from the kernel every few seconds.
 *
 * <p>Frames sent from one of these MACs are the router's own (replies it forwards into the LAN),
 * never a LAN computer's; a query whose source is one of these IP addresses (or a configured NAT
 * address) is a translated flow and is matched by destination and source port.
 */
public final class LocalAddresses {
  private static final Logger logger = LoggerFactory.getLogger(LocalAddresses.class);

  private volatile List<MacAddress> extraMacs;
  private volatile List<InetAddress> extraAddresses;
  private volatile long[] macs = new long[0];
  private volatile Set<InetAddress> addresses = Set.of();

  /** Creates the set with configured MACs and NAT addresses that always belong to it. */
  public LocalAddresses(List<MacAddress> extraMacs, List<InetAddress> extraAddresses) {
    this.extraMacs = List.copyOf(extraMacs);
    this.extraAddresses = List.copyOf(extraAddresses);
    refresh();
  }

  /** Replaces the configured MACs and NAT addresses and re-reads the interfaces. */
  public void reconfigure(List<MacAddress> macs, List<InetAddress> natAddresses) {
    this.extraMacs = List.copyOf(macs);
    this.extraAddresses = List.copyOf(natAddresses);
    refresh();
  }

  /** Re-reads the interfaces of this network namespace. */
  public synchronized void refresh() {
    Set<Long> m = new HashSet<>();
    Set<InetAddress> a = new HashSet<>(extraAddresses);
    for (MacAddress mac : extraMacs) {
      m.add(mac.toLong());
    }
    try {
      Enumeration<NetworkInterface> all = NetworkInterface.getNetworkInterfaces();
      while (all != null && all.hasMoreElements()) {
        NetworkInterface ni = all.nextElement();
        byte[] hw = ni.getHardwareAddress();
        if (hw != null && hw.length == 6) {
          m.add(MacAddress.of(hw, 0).toLong());
        }
        for (Enumeration<InetAddress> e = ni.getInetAddresses(); e.hasMoreElements(); ) {
          InetAddress ia = e.nextElement();
          a.add(InetAddress.getByAddress(ia.getAddress()));
        }
      }
    } catch (SocketException | java.net.UnknownHostException e) {
      logger.warn("read local interfaces: {}", e.getMessage());
    }
    long[] sorted = m.stream().mapToLong(Long::longValue).sorted().toArray();
    macs = sorted;
    addresses = Set.copyOf(a);
  }

  /** Returns true when {@code mac} (48 bits) belongs to this router. */
  public boolean isOwnMac(long mac) {
    return Arrays.binarySearch(macs, mac) >= 0;
  }

  /** Returns true when {@code address} is one of the router's own or configured NAT addresses. */
  public boolean isOwnAddress(InetAddress address) {
    try {
      return addresses.contains(InetAddress.getByAddress(address.getAddress()));
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Returns the router's addresses as last read. */
  public Set<InetAddress> addresses() {
    return addresses;
  }
}
