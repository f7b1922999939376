package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.UdpPacket;

/**
 * Compares the decoder with pcap4j's packet factory on plain Ethernet / IP / TCP or UDP frames,
 * the shape pcap4j parses reliably.
 */
final class FrameDecoderPcap4jComparisonTest {
  private final DecodedFrame out = new DecodedFrame();
  private final FrameDecoder decoder = new FrameDecoder(FrameDecoder.DLT_EN10MB);

  /** Returns true when pcap4j decoded the frame as Ethernet/IP/TCP|UDP and it was compared. */
  private boolean compare(byte[] frame, String where) throws Exception {
    EthernetPacket eth;
    try {
      eth = EthernetPacket.newPacket(frame, 0, frame.length);
    } catch (IllegalRawDataException e) {
      return false;
    }
    Packet ip = eth.getPayload();
    Packet l4 = ip == null ? null : ip.getPayload();
    if (!(l4 instanceof TcpPacket || l4 instanceof UdpPacket)) {
      return false;
    }
    if (!(ip instanceof IpV4Packet || ip instanceof IpV6Packet)) {
      return false;
    }
    if (ip instanceof IpV4Packet
        && ((IpV4Packet) ip).getHeader().getFragmentOffset() != 0) {
      return false;
    }
    DecodeOutcome o = decoder.decode(frame, 0, frame.length, frame.length, 0, out);
    assertEquals(DecodeOutcome.FLOW, o, where);
    assertEquals(mac(eth.getHeader().getSrcAddr().getAddress()), out.srcMac, where);
    assertEquals(mac(eth.getHeader().getDstAddr().getAddress()), out.dstMac, where);
    if (ip instanceof IpV4Packet) {
      IpV4Packet.IpV4Header h = ((IpV4Packet) ip).getHeader();
      assertEquals(4, out.ipVersion, where);
      assertEquals(h.getSrcAddr(), v4(out.srcIp4), where);
      assertEquals(h.getDstAddr(), v4(out.dstIp4), where);
      assertEquals(h.getProtocol().value() & 0xff, out.protocol, where);
    } else {
      IpV6Packet.IpV6Header h = ((IpV6Packet) ip).getHeader();
      assertEquals(6, out.ipVersion, where);
      assertEquals(h.getSrcAddr(), v6(out.srcIpHi, out.srcIpLo), where);
      assertEquals(h.getDstAddr(), v6(out.dstIpHi, out.dstIpLo), where);
    }
    if (l4 instanceof TcpPacket) {
      TcpPacket.TcpHeader t = ((TcpPacket) l4).getHeader();
      assertEquals(t.getSrcPort().valueAsInt(), out.srcPort, where);
      assertEquals(t.getDstPort().valueAsInt(), out.dstPort, where);
      assertEquals(t.getSequenceNumberAsLong(), out.tcpSeq, where);
      assertEquals(t.getSyn(), (out.tcpFlags & 0x02) != 0, where);
      assertEquals(t.getAck(), (out.tcpFlags & 0x10) != 0, where);
      assertEquals(t.getFin(), (out.tcpFlags & 0x01) != 0, where);
    } else {
      UdpPacket.UdpHeader u = ((UdpPacket) l4).getHeader();
      assertEquals(u.getSrcPort().valueAsInt(), out.srcPort, where);
      assertEquals(u.getDstPort().valueAsInt(), out.dstPort, where);
    }
    return true;
  }

  private static long mac(byte[] b) {
    return ByteBuffer.allocate(8).put(new byte[2]).put(b).flip().getLong();
  }

  private static InetAddress v4(int a) throws Exception {
    return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(a).array());
  }

  private static InetAddress v6(long hi, long lo) throws Exception {
    return InetAddress.getByAddress(ByteBuffer.allocate(16).putLong(hi).putLong(lo).array());
  }

  @Test
  void decode_corpusEthernetFrames_agreesWithPcap4j() throws Exception {
    int compared = 0;
    for (Path file : CorpusFiles.allCaptures()) {
      CorpusFiles.Capture capture = CorpusFiles.read(file);
      if (capture.linkType() != FrameDecoder.DLT_EN10MB) {
        continue;
      }
      int i = 0;
      for (CorpusFiles.Frame f : capture.frames()) {
        if (compare(f.data(), file.getFileName() + " frame " + i++)) {
          compared++;
        }
      }
    }
    assertTrue(compared >= 50, "too few frames compared: " + compared);
  }

  @Test
  void decode_generatedFrames_agreesWithPcap4j() throws Exception {
    SplittableRandom rnd = new SplittableRandom(7L);
    for (int i = 0; i < 2000; i++) {
      boolean v6 = rnd.nextBoolean();
      boolean tcp = rnd.nextBoolean();
      int sport = rnd.nextInt(65536);
      int dport = rnd.nextInt(65536);
      byte[] data = TestFrames.payload(rnd.nextInt(200));
      byte[] l4 = tcp
          ? TestFrames.tcp(sport, dport, rnd.nextLong() & 0xffff_ffffL, rnd.nextInt(256) & 0x3f,
              4 * rnd.nextInt(11))
          : TestFrames.udp(sport, dport, data.length);
      int proto = tcp ? 6 : 17;
      byte[] ip;
      if (v6) {
        ip = TestFrames.ipv6(proto, l4.length + data.length);
        TestFrames.put64(ip, 16, rnd.nextLong());
        TestFrames.put64(ip, 32, rnd.nextLong());
      } else {
        byte[] options = new byte[4 * rnd.nextInt(3)];
        java.util.Arrays.fill(options, (byte) 1);
        ip = TestFrames.ipv4(proto, 0xc0000200 | rnd.nextInt(256),
            0xcb007100 | rnd.nextInt(256), options, l4.length + data.length);
      }
      long src = rnd.nextLong() & 0xfeff_ffff_ffffL;
      byte[] frame = TestFrames.concat(
          TestFrames.ethernet(TestFrames.MAC_B, src, v6 ? 0x86dd : 0x0800), ip, l4, data);
      assertTrue(compare(frame, "generated " + i), "pcap4j did not parse generated " + i);
    }
  }
}
