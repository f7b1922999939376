package org.trackpeer.daemon.capture;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Run inside a network namespace by {@link PacketRingLiveTest}: captures one interface with the
 * packet ring and with libpcap at once, sends {@link #frames()} into it from its veth peer
 * through a raw packet socket, and prints every probe frame each reader got, one per line:
 * {@code READER TIMESTAMP_NANOS CAPTURED WIRE HEX}, then {@code done}.
 *
 * <p>Usage: {@code RingProbe SEND_INTERFACE CAPTURE_INTERFACE SNAPLEN}
 */
public final class RingProbe {
  /** Source MAC of every probe frame, so frames of the interfaces themselves are left out. */
  static final byte[] SOURCE_MAC = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
  static final byte[] DESTINATION_MAC = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};

  private RingProbe() {}

  /** The C functions the sender uses, with their prototypes. */
  interface LibC extends Library {
    // int socket(int domain, int type, int protocol);
    int socket(int domain, int type, int protocol);

    // ssize_t sendto(int fd, const void *buf, size_t len, int flags,
    //     const struct sockaddr *dest_addr, socklen_t addrlen);
    long sendto(int fd, byte[] buf, long len, int flags, Pointer address, int length);

    // int close(int fd);
    int close(int fd);
  }

  /**
   * The frames sent: untagged IPv4 UDP, the same with an 802.1Q tag (VLAN 42, priority 1),
   * frames longer than the snapshot length (one of them tagged), IPv6 UDP. Each carries its number as its source port.
   */
  static List<byte[]> frames() {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      boolean tagged = i % 4 == 1;
      boolean big = i % 8 == 2 || i == 9;
      boolean ipv6 = i % 8 == 3;
      int payload = big ? 900 : 18;
      int ipLength = (ipv6 ? 40 : 20) + 8 + payload;
      int header = 14 + (tagged ? 4 : 0);
      byte[] f = new byte[Math.max(60, header + ipLength)];
      System.arraycopy(DESTINATION_MAC, 0, f, 0, 6);
      System.arraycopy(SOURCE_MAC, 0, f, 6, 6);
      int p = 12;
      if (tagged) {
        f[p++] = (byte) 0x81;
        f[p++] = 0x00;
        f[p++] = 0x20;
        f[p++] = 42;
      }
      int sourcePort = 40000 + i;
      if (ipv6) {
        f[p++] = (byte) 0x86;
        f[p++] = (byte) 0xdd;
        f[p] = 0x60;
        f[p + 4] = (byte) ((8 + payload) >>> 8);
        f[p + 5] = (byte) (8 + payload);
        f[p + 6] = 17;
        f[p + 7] = 64;
        byte[] src = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        System.arraycopy(src, 0, f, p + 8, 16);
        src[15] = 2;
        System.arraycopy(src, 0, f, p + 24, 16);
        p += 40;
      } else {
        f[p++] = 0x08;
        f[p++] = 0x00;
        f[p] = 0x45;
        f[p + 2] = (byte) (ipLength >>> 8);
        f[p + 3] = (byte) ipLength;
        f[p + 8] = 64;
        f[p + 9] = 17;
        byte[] addresses = {(byte) 192, 0, 2, 1, (byte) 192, 0, 2, 2};
        System.arraycopy(addresses, 0, f, p + 12, 8);
        int sum = 0;
        for (int k = 0; k < 20; k += 2) {
          sum += ((f[p + k] & 0xff) << 8) | (f[p + k + 1] & 0xff);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = ~((sum & 0xffff) + (sum >>> 16)) & 0xffff;
        f[p + 10] = (byte) (sum >>> 8);
        f[p + 11] = (byte) sum;
        p += 20;
      }
      f[p] = (byte) (sourcePort >>> 8);
      f[p + 1] = (byte) sourcePort;
      f[p + 3] = 9;
      f[p + 4] = (byte) ((8 + payload) >>> 8);
      f[p + 5] = (byte) (8 + payload);
      for (int k = 0; k < payload; k++) {
        f[p + 8 + k] = (byte) (i + k);
      }
      out.add(f);
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    String sendIface = args[0];
    String captureIface = args[1];
    int snaplen = Integer.parseInt(args[2]);
    List<byte[]> frames = frames();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.US_ASCII);
    PcapHandle ring = PacketRing.open(captureIface, snaplen, 1 << 20, 20);
    PcapHandle pcap = PcapHandle.openLive(captureIface, snaplen, 1 << 20, 20);
    if (ring == null) {
      throw new IllegalStateException(captureIface + " is not read by the packet ring");
    }
    List<String> lines = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(2);
    for (PcapHandle h : List.of(ring, pcap)) {
      String name = h == ring ? "ring" : "libpcap";
      new Thread(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int got = 0;
        while (got < frames.size() && System.nanoTime() < deadline) {
          if (h.next() != PcapHandle.FRAME) {
            continue;
          }
          byte[] b = java.util.Arrays.copyOf(h.buffer(), h.capLength());
          if (b.length >= 12
              && java.util.Arrays.equals(b, 6, 12, SOURCE_MAC, 0, 6)) {
            got++;
            synchronized (lines) {
              lines.add(name + " " + h.timestampNanos() + " " + h.capLength() + " "
                  + h.wireLength() + " " + HexFormat.of().formatHex(b));
            }
          }
        }
        done.countDown();
      }, name).start();
    }
    LibC libc = Native.load("c", LibC.class);
    int fd = libc.socket(17, 3, 0);
    if (fd < 0) {
      throw new IllegalStateException("socket: errno " + Native.getLastError());
    }
    Memory address = new Memory(20);
    address.clear();
    address.setShort(0, (short) 17);
    address.setInt(4, LinkIndex.of(sendIface));
    address.setByte(11, (byte) 6);
    address.write(12, DESTINATION_MAC, 0, 6);
    // give both readers time to wait in their first read
    Thread.sleep(300);
    for (byte[] f : frames) {
      if (libc.sendto(fd, f, f.length, 0, address, 20) != f.length) {
        throw new IllegalStateException("sendto: errno " + Native.getLastError());
      }
      Thread.sleep(2);
    }
    libc.close(fd);
    done.await(15, TimeUnit.SECONDS);
    synchronized (lines) {
      lines.forEach(out::println);
    }
    out.println("done");
    ring.close();
    pcap.close();
    System.exit(0);
  }
}
