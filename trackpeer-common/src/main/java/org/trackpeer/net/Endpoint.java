package org.trackpeer.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * An IP address and a transport port, as one side of a connection.
 *
 * <p>Text forms: {@code 192.0.2.11:49200}, {@code [2001:db8::11]:49200}. Only numeric addresses
 * are accepted, so parsing never blocks on a name lookup.
 */
public record Endpoint(InetAddress address, int port) {
  public static final int PORT_MAX = 65535;

  public Endpoint {
    Objects.requireNonNull(address, "address");
    if (port < 0 || port > PORT_MAX) {
      throw new IllegalArgumentException("port out of range 0-65535: " + port);
    }
  }

  /**
   * Parses {@code A.B.C.D:P} or {@code [V6]:P}; with {@code portRequired} false a bare address
   * is accepted and gets port 0.
   *
   * @throws IllegalArgumentException naming what is wrong with the text
   */
  public static Endpoint parse(String text, boolean portRequired) {
    String s = text.strip();
    String host;
    String port = null;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' in " + text);
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("expected ':PORT' after ']' in " + text);
        }
        port = rest.substring(1);
      }
    } else if (s.indexOf(':') != s.lastIndexOf(':')) {
      host = s; // bare IPv6 address
    } else {
      int colon = s.indexOf(':');
      host = colon < 0 ? s : s.substring(0, colon);
      port = colon < 0 ? null : s.substring(colon + 1);
    }
    if (port == null && portRequired) {
      throw new IllegalArgumentException("missing port in " + text + " (expected ADDRESS:PORT)");
    }
    int p = 0;
    if (port != null) {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad port in " + text + ": " + port);
      }
      if (p < 0 || p > PORT_MAX) {
        throw new IllegalArgumentException("port out of range 0-65535 in " + text);
      }
    }
    return new Endpoint(parseAddress(host), p);
  }

  /**
   * Parses a numeric IPv4 or IPv6 address without any name lookup.
   *
   * @throws IllegalArgumentException if the text is not a numeric address
   */
  public static InetAddress parseAddress(String host) {
    if (host.isEmpty() || !isNumeric(host)) {
      throw new IllegalArgumentException("not a numeric IP address: " + host);
    }
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not a numeric IP address: " + host);
    }
  }

  // Plain loops, no lambdas or streams: the client parses addresses at start-up, where each
  // lambda's first call costs milliseconds of bootstrap.
  private static boolean isNumeric(String host) {
    if (host.indexOf(':') >= 0) {
      for (int i = 0; i < host.length(); i++) {
        char c = host.charAt(i);
        if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
          return false;
        }
      }
      return true;
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !allDigits(part)) {
        return false;
      }
      if (Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean allDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Returns 4 or 6. */
  public int family() {
    return address instanceof Inet6Address ? 6 : 4;
  }

  @Override
  public String toString() {
    String host = address.getHostAddress();
    return family() == 6 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
