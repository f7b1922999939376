package org.trackpeer.client;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Formats addresses the way people write them: IPv6 in the RFC 5952 short form. */
final class AddressText {
  private AddressText() {}

  /** Returns {@code 192.0.2.1} or {@code 2001:db8::1}. */
  static String of(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 4) {
      return a.getHostAddress();
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    // RFC 5952 section 4.2: the longest run of two or more zero groups, the first on a tie.
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  /** Returns {@code 192.0.2.1:80} or {@code [2001:db8::1]:80}. */
  static String of(InetAddress a, int port) {
    String host = of(a);
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  /** Returns the socket address in the form of {@link #of(InetAddress, int)}. */
  static String of(InetSocketAddress a) {
    return of(a.getAddress(), a.getPort());
  }
}
