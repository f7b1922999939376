package org.trackpeer.daemon;

import java.net.InetAddress;
import org.trackpeer.net.Endpoint;

/** An IP network written as {@code ADDRESS/PREFIX}; a bare address is a host network. */
public record Cidr(byte[] network, int prefixLength) {
  /**
   * Parses {@code 192.0.2.0/24}, {@code 2001:db8::/32} or a bare address.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Cidr parse(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    InetAddress a = Endpoint.parseAddress(slash < 0 ? s : s.substring(0, slash));
    int max = a.getAddress().length * 8;
    int prefix = max;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad prefix length in " + text);
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException("prefix length out of range 0-" + max + " in " + text);
      }
    }
    return new Cidr(a.getAddress(), prefix);
  }

  /** Returns true when {@code address} lies in this network. */
  public boolean contains(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (b[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (b[full] & mask) == (network[full] & mask);
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
