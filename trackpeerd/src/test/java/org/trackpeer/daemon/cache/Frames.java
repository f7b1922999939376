package org.trackpeer.daemon.cache;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.trackpeer.daemon.capture.DecodedFrame;

/** Builds decoded frames for cache tests. */
public final class Frames {
  public static final int TCP = 6;
  public static final int UDP = 17;

  /** A wall time well inside the 2020s, a whole number of microseconds. */
  public static final long T0 = 1_700_000_000_000_000_000L;

  private Frames() {}

  public static DecodedFrame v4(long mac, String src, int srcPort, String dst, int dstPort, long wall) {
    DecodedFrame f = new DecodedFrame();
    f.reset();
    f.timestampNanos = wall;
    f.hasSrcMac = true;
    f.srcMac = mac;
    f.ipVersion = 4;
    f.srcIp4 = ip4(src);
    f.dstIp4 = ip4(dst);
    f.protocol = TCP;
    f.hasPorts = true;
    f.srcPort = srcPort;
    f.dstPort = dstPort;
    return f;
  }

  public static DecodedFrame v6(long mac, String src, int srcPort, String dst, int dstPort, long wall) {
    DecodedFrame f = new DecodedFrame();
    f.reset();
    f.timestampNanos = wall;
    f.hasSrcMac = true;
    f.srcMac = mac;
    f.ipVersion = 6;
    byte[] s = addr(src).getAddress();
    byte[] d = addr(dst).getAddress();
    f.srcIpHi = word(s, 0);
    f.srcIpLo = word(s, 8);
    f.dstIpHi = word(d, 0);
    f.dstIpLo = word(d, 8);
    f.protocol = UDP;
    f.hasPorts = true;
    f.srcPort = srcPort;
    f.dstPort = dstPort;
    return f;
  }

  static int ip4(String text) {
    byte[] b = addr(text).getAddress();
    return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
  }

  public static InetAddress addr(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static long word(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }
}
