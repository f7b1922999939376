package org.trackpeer.daemon.capture;

import java.io.ByteArrayOutputStream;

/** Builds frame bytes header by header, for decoder tests. Addresses are documentation ones. */
final class TestFrames {
  static final long MAC_A = 0x02_00_5e_10_00_01L;
  static final long MAC_B = 0x02_00_5e_10_00_02L;
  /** 192.0.2.10 */
  static final int IP4_A = 0xc000020a;
  /** 198.51.100.20 */
  static final int IP4_B = 0xc6336414;
  /** 2001:db8::a (high, low). */
  static final long IP6_A_HI = 0x20010db8_00000000L;
  static final long IP6_A_LO = 0x0aL;
  /** 2001:db8::b (high, low). */
  static final long IP6_B_HI = 0x20010db8_00000000L;
  static final long IP6_B_LO = 0x0bL;

  private TestFrames() {}

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static void put16(byte[] b, int i, int v) {
    b[i] = (byte) (v >>> 8);
    b[i + 1] = (byte) v;
  }

  static void put32(byte[] b, int i, int v) {
    put16(b, i, v >>> 16);
    put16(b, i + 2, v);
  }

  static void put48(byte[] b, int i, long v) {
    put16(b, i, (int) (v >>> 32));
    put32(b, i + 2, (int) v);
  }

  static void put64(byte[] b, int i, long v) {
    put32(b, i, (int) (v >>> 32));
    put32(b, i + 4, (int) v);
  }

  /** Ethernet II header (14 bytes). */
  static byte[] ethernet(long dst, long src, int type) {
    byte[] b = new byte[14];
    put48(b, 0, dst);
    put48(b, 6, src);
    put16(b, 12, type);
    return b;
  }

  /** A 4-byte VLAN tag body (TCI and the next type) that follows a tag protocol id. */
  static byte[] vlanTag(int priority, int vid, int nextType) {
    byte[] b = new byte[4];
    put16(b, 0, (priority << 13) | vid);
    put16(b, 2, nextType);
    return b;
  }

  /** Linux cooked v1 header (16 bytes). */
  static byte[] sll(int pktType, int haType, int haLen, long mac, int protocol) {
    byte[] b = new byte[16];
    put16(b, 0, pktType);
    put16(b, 2, haType);
    put16(b, 4, haLen);
    put48(b, 6, mac);
    put16(b, 14, protocol);
    return b;
  }

  /** Linux cooked v2 header (20 bytes). */
  static byte[] sll2(int protocol, int ifIndex, int haType, int pktType, int haLen, long mac) {
    byte[] b = new byte[20];
    put16(b, 0, protocol);
    put32(b, 4, ifIndex);
    put16(b, 8, haType);
    b[10] = (byte) pktType;
    b[11] = (byte) haLen;
    put48(b, 12, mac);
    return b;
  }

  /** IPv4 header with options (a multiple of 4 bytes) and a total length covering payload. */
  static byte[] ipv4(int protocol, int src, int dst, byte[] options, int payloadLength) {
    byte[] b = new byte[20 + options.length];
    b[0] = (byte) (0x40 | (b.length / 4));
    put16(b, 2, b.length + payloadLength);
    b[8] = 64;
    b[9] = (byte) protocol;
    put32(b, 12, src);
    put32(b, 16, dst);
    System.arraycopy(options, 0, b, 20, options.length);
    return b;
  }

  /** Fixed IPv6 header. */
  static byte[] ipv6(int next, int payloadLength) {
    byte[] b = new byte[40];
    b[0] = 0x60;
    put16(b, 4, payloadLength);
    b[6] = (byte) next;
    b[7] = 64;
    put64(b, 8, IP6_A_HI);
    put64(b, 16, IP6_A_LO);
    put64(b, 24, IP6_B_HI);
    put64(b, 32, IP6_B_LO);
    return b;
  }

  /** A generic extension header (hop-by-hop, routing, destination options...) of 8*units bytes. */
  static byte[] extHeader(int next, int units) {
    byte[] b = new byte[8 * units];
    b[0] = (byte) next;
    b[1] = (byte) (units - 1);
    return b;
  }

  /** An authentication header of 4*(words) bytes (words >= 3). */
  static byte[] authHeader(int next, int words) {
    byte[] b = new byte[4 * words];
    b[0] = (byte) next;
    b[1] = (byte) (words - 2);
    return b;
  }

  /** An IPv6 fragment header with the given offset in 8-byte units. */
  static byte[] fragmentHeader(int next, int offsetUnits, boolean more) {
    byte[] b = new byte[8];
    b[0] = (byte) next;
    put16(b, 2, (offsetUnits << 3) | (more ? 1 : 0));
    put32(b, 4, 0x1234);
    return b;
  }

  /** TCP header with {@code optionBytes} zero bytes of options. */
  static byte[] tcp(int srcPort, int dstPort, long seq, int flags, int optionBytes) {
    byte[] b = new byte[20 + optionBytes];
    put16(b, 0, srcPort);
    put16(b, 2, dstPort);
    put32(b, 4, (int) seq);
    b[12] = (byte) ((b.length / 4) << 4);
    b[13] = (byte) flags;
    put16(b, 14, 1000);
    return b;
  }

  /** UDP header for a payload of the given length. */
  static byte[] udp(int srcPort, int dstPort, int payloadLength) {
    byte[] b = new byte[8];
    put16(b, 0, srcPort);
    put16(b, 2, dstPort);
    put16(b, 4, 8 + payloadLength);
    return b;
  }

  static byte[] payload(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) ('a' + i % 26);
    }
    return b;
  }
}
