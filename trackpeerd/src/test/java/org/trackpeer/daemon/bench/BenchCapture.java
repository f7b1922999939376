package org.trackpeer.daemon.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a deterministic benchmark capture file (classic pcap, nanosecond timestamps).
 *
 * <p>Two kinds of traffic. The realistic mix draws each frame's flow from a skewed
 * distribution over {@code flows} flows (a few flows carry most frames, as on a real LAN), with
 * frame sizes of 60, 590 and 1514 bytes, TCP and UDP, and about 2% ARP. The SYN flood makes
 * every frame a new TCP SYN of the smallest frame size, from a random host and port. Both use
 * only documentation addresses: LAN hosts in 192.0.2.0/24 and 198.51.100.0/24 (IPv6
 * 2001:db8:1::/64), servers in 203.0.113.0/24 (2001:db8:2::/64). A host keeps one VLAN tag
 * for the whole file; {@code vlanShare} of the hosts are tagged. The same arguments always give
 * the same bytes.
 *
 * <p>Usage: {@code BenchCapture --out FILE [--seed N] [--frames N] [--hosts N] [--flows N]
 * [--vlan-share F] [--ipv6-share F] [--flood none|syn] [--snaplen N] [--duration SECONDS]}
 */
public final class BenchCapture {
  /** Seconds since the Epoch of the first frame: 2026-01-01T00:00:00Z. */
  static final long START_SECONDS = 1_767_225_600L;

  private static final int[] SERVER_PORTS = {443, 443, 443, 80, 53, 123, 993, 8080};

  long seed = 1;
  long frames = 1_000_000;
  int hosts = 200;
  int flows = 100_000;
  double vlanShare = 0.1;
  double ipv6Share = 0.2;
  boolean synFlood;
  int snaplen = 65535;
  double durationSeconds = 10;

  /** Generates the file named by {@code --out}. */
  public static void main(String[] args) throws IOException {
    BenchCapture g = new BenchCapture();
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--out" -> out = Path.of(v);
        case "--seed" -> g.seed = Long.parseLong(v);
        case "--frames" -> g.frames = Long.parseLong(v);
        case "--hosts" -> g.hosts = Integer.parseInt(v);
        case "--flows" -> g.flows = Integer.parseInt(v);
        case "--vlan-share" -> g.vlanShare = Double.parseDouble(v);
        case "--ipv6-share" -> g.ipv6Share = Double.parseDouble(v);
        case "--flood" -> g.synFlood = v.equals("syn");
        case "--snaplen" -> g.snaplen = Integer.parseInt(v);
        case "--duration" -> g.durationSeconds = Double.parseDouble(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
      i++;
    }
    if (out == null) {
      throw new IllegalArgumentException("--out FILE is required");
    }
    if (g.hosts < 1 || g.hosts > 500 || g.flows < 1 || g.frames < 1) {
      throw new IllegalArgumentException("hosts must be 1..500, flows and frames positive");
    }
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
      g.write(os);
    }
  }

  /** Writes the whole capture to {@code os}. */
  void write(OutputStream os) throws IOException {
    ByteBuffer hdr = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    hdr.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
    hdr.putInt(snaplen).putInt(1);
    os.write(hdr.array());
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[] frame = new byte[1514];
    ByteBuffer rec = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    long stepNanos = Math.max(1L, (long) (durationSeconds * 1e9 / frames));
    for (long n = 0; n < frames; n++) {
      int len = synFlood ? buildSyn(rnd, frame) : buildMix(rnd, frame);
      long t = START_SECONDS * 1_000_000_000L + n * stepNanos;
      int cap = Math.min(len, snaplen);
      rec.clear();
      rec.putInt((int) (t / 1_000_000_000L)).putInt((int) (t % 1_000_000_000L));
      rec.putInt(cap).putInt(len);
      os.write(rec.array());
      os.write(frame, 0, cap);
    }
  }

  private int buildSyn(SplittableRandom rnd, byte[] f) {
    int host = rnd.nextInt(hosts);
    boolean v6 = rnd.nextDouble() < ipv6Share;
    int srcPort = 1024 + rnd.nextInt(64512);
    return build(f, host, v6, 6, srcPort, 80, 10, 0, 0x02);
  }

  private int buildMix(SplittableRandom rnd, byte[] f) {
    if (rnd.nextInt(100) < 2) {
      return buildArp(f, rnd.nextInt(hosts));
    }
    // u^3 concentrates draws on low flow numbers: a few flows carry most of the frames
    double u = rnd.nextDouble();
    int flow = (int) (flows * u * u * u);
    SplittableRandom fr = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + flow);
    int host = fr.nextInt(hosts);
    boolean v6 = fr.nextDouble() < ipv6Share;
    int protocol = fr.nextInt(10) < 8 ? 6 : 17;
    int srcPort = 1024 + fr.nextInt(64512);
    int dstPort = SERVER_PORTS[fr.nextInt(SERVER_PORTS.length)];
    int server = 1 + fr.nextInt(250);
    int r = rnd.nextInt(10);
    int size = r < 4 ? 60 : r < 6 ? 590 : 1514;
    return build(f, host, v6, protocol, srcPort, dstPort, server, size, 0x10);
  }

  private int vlanOf(int host) {
    SplittableRandom h = new SplittableRandom(seed ^ (0x5DEECE66DL * (host + 1)));
    return h.nextDouble() < vlanShare ? 10 + host % 100 : -1;
  }

  private int ethernet(byte[] f, int host, int etherType) {
    putMac(f, 0, 0x02005e0000feL);
    putMac(f, 6, 0x02005e100000L | host);
    int p = 12;
    int vlan = vlanOf(host);
    if (vlan >= 0) {
      put16(f, p, 0x8100);
      put16(f, p + 2, vlan);
      p += 4;
    }
    put16(f, p, etherType);
    return p + 2;
  }

  private int buildArp(byte[] f, int host) {
    java.util.Arrays.fill(f, 0, 64, (byte) 0);
    int p = ethernet(f, host, 0x0806);
    put16(f, p, 1);
    put16(f, p + 2, 0x0800);
    f[p + 4] = 6;
    f[p + 5] = 4;
    put16(f, p + 6, 1);
    putMac(f, p + 8, 0x02005e100000L | host);
    put32(f, p + 14, hostIp4(host));
    put32(f, p + 24, 0xc0000201);
    return Math.max(60, p + 28);
  }

  /** Builds an Ethernet/IP/TCP|UDP frame of at least {@code size} bytes; returns its length. */
  private int build(
      byte[] f, int host, boolean v6, int protocol, int srcPort, int dstPort, int server,
      int size, int tcpFlags) {
    int p = ethernet(f, host, v6 ? 0x86dd : 0x0800);
    int l4Len = protocol == 6 ? 20 : 8;
    int ipLen = v6 ? 40 : 20;
    int payload = Math.max(0, Math.min(1514, size) - p - ipLen - l4Len);
    int len = Math.max(60, p + ipLen + l4Len + payload);
    int ipTotal = ipLen + l4Len + payload;
    java.util.Arrays.fill(f, p, len, (byte) 0);
    if (v6) {
      f[p] = 0x60;
      put16(f, p + 4, l4Len + payload);
      f[p + 6] = (byte) protocol;
      f[p + 7] = 64;
      put32(f, p + 8, 0x20010db8);
      put32(f, p + 12, 0x00010000);
      put32(f, p + 20, 0x100 + host);
      put32(f, p + 24, 0x20010db8);
      put32(f, p + 28, 0x00020000);
      put32(f, p + 36, server);
    } else {
      f[p] = 0x45;
      put16(f, p + 2, ipTotal);
      f[p + 8] = 64;
      f[p + 9] = (byte) protocol;
      put32(f, p + 12, hostIp4(host));
      put32(f, p + 16, 0xcb007100 | server);
      put16(f, p + 10, ipChecksum(f, p));
    }
    int l4 = p + ipLen;
    put16(f, l4, srcPort);
    put16(f, l4 + 2, dstPort);
    if (protocol == 6) {
      put32(f, l4 + 4, srcPort * 7919);
      f[l4 + 12] = 0x50;
      f[l4 + 13] = (byte) tcpFlags;
      put16(f, l4 + 14, 64240);
    } else {
      put16(f, l4 + 4, l4Len + payload);
    }
    return len;
  }

  private static int hostIp4(int host) {
    return host < 250 ? 0xc0000200 | (host + 2) : 0xc6336400 | (host - 248);
  }

  private static int ipChecksum(byte[] f, int p) {
    int sum = 0;
    for (int i = 0; i < 20; i += 2) {
      sum += ((f[p + i] & 0xFF) << 8) | (f[p + i + 1] & 0xFF);
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return ~sum & 0xFFFF;
  }

  private static void putMac(byte[] f, int p, long mac) {
    for (int i = 0; i < 6; i++) {
      f[p + i] = (byte) (mac >>> (40 - 8 * i));
    }
  }

  private static void put16(byte[] f, int p, int v) {
    f[p] = (byte) (v >>> 8);
    f[p + 1] = (byte) v;
  }

  private static void put32(byte[] f, int p, int v) {
    f[p] = (byte) (v >>> 24);
    f[p + 1] = (byte) (v >>> 16);
    f[p + 2] = (byte) (v >>> 8);
    f[p + 3] = (byte) v;
  }
}
