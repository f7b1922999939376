package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.daemon.capture.TestFrames.IP4_A;
import static org.trackpeer.daemon.capture.TestFrames.IP4_B;
import static org.trackpeer.daemon.capture.TestFrames.MAC_A;
import static org.trackpeer.daemon.capture.TestFrames.MAC_B;
import static org.trackpeer.daemon.capture.TestFrames.concat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.net.MacAddress;

/** Linux cooked capture v2 frames, built here since the corpus has none. */
final class FrameDecoderSll2Test {
  private static final int ARPHRD_ETHER = 1;
  private static final int ARPHRD_NONE = 0xfffe;

  private final DecodedFrame out = new DecodedFrame();
  private final FrameDecoder decoder = new FrameDecoder(FrameDecoder.DLT_LINUX_SLL2);

  private static byte[] incomingTcp() {
    return concat(TestFrames.sll2(0x0800, 3, ARPHRD_ETHER, 0, 6, MAC_A),
        TestFrames.ipv4(6, IP4_A, IP4_B, new byte[0], 20), TestFrames.tcp(51000, 22, 77, 0x02, 0));
  }

  private static byte[] outgoingUdp6() {
    return concat(TestFrames.sll2(0x86dd, 5, ARPHRD_ETHER, 4, 6, MAC_B),
        TestFrames.ipv6(17, 12), TestFrames.udp(546, 547, 4), TestFrames.payload(4));
  }

  private static byte[] tunnelNoAddress() {
    return concat(TestFrames.sll2(0x0800, 9, ARPHRD_NONE, 0, 0, 0),
        TestFrames.ipv4(1, IP4_B, IP4_A, new byte[0], 8), new byte[8]);
  }

  @Test
  void decode_sll2IncomingEthernet_senderMacAndInterface() {
    byte[] f = incomingTcp();
    assertEquals(DecodeOutcome.FLOW, decoder.decode(f, 0, f.length, f.length, 5L, out));
    assertTrue(out.hasSrcMac);
    assertEquals("02:00:5e:10:00:01", MacAddress.format(out.srcMac));
    assertFalse(out.hasDstMac);
    assertEquals(0, out.packetType);
    assertEquals(3, out.interfaceIndex);
    assertEquals(IP4_A, out.srcIp4);
    assertEquals(51000, out.srcPort);
    assertEquals(22, out.dstPort);
    assertEquals(0x02, out.tcpFlags);
    assertEquals(20 + 20 + 20, out.payloadOffset);
  }

  @Test
  void decode_sll2OutgoingIpv6_ownMacAndPacketType() {
    byte[] f = outgoingUdp6();
    assertEquals(DecodeOutcome.FLOW, decoder.decode(f, 0, f.length, f.length, 5L, out));
    assertEquals(DecodedFrame.PKTTYPE_OUTGOING, out.packetType);
    assertEquals(MAC_B, out.srcMac);
    assertEquals(5, out.interfaceIndex);
    assertEquals(6, out.ipVersion);
    assertEquals(546, out.srcPort);
    assertEquals(4, out.payloadLength);
  }

  @Test
  void decode_sll2WithoutLinkAddress_noMac() {
    byte[] f = tunnelNoAddress();
    assertEquals(DecodeOutcome.IP_NO_PORTS, decoder.decode(f, 0, f.length, f.length, 5L, out));
    assertFalse(out.hasSrcMac);
    assertEquals(0, out.srcMac);
    assertEquals(1, out.protocol);
    assertEquals(9, out.interfaceIndex);
  }

  @Test
  void decode_sll2VlanProtocol_tagFollowed() {
    byte[] f = concat(TestFrames.sll2(0x8100, 2, ARPHRD_ETHER, 0, 6, MAC_A),
        TestFrames.vlanTag(0, 33, 0x0806), new byte[28]);
    assertEquals(DecodeOutcome.NOT_IP, decoder.decode(f, 0, f.length, f.length, 5L, out));
    assertEquals(33, out.vlan);
  }

  @Test
  void decode_sll2PcapFileReadByLibpcap_sameFields(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sll2.pcap");
    List<byte[]> frames = List.of(incomingTcp(), outgoingUdp6(), tunnelNoAddress());
    long[] nanos = {1_700_000_000_123456789L, 1_700_000_001_000000001L, 4_000_000_000_000000005L};
    writeNanoPcap(file, FrameDecoder.DLT_LINUX_SLL2, frames, nanos);

    CorpusFiles.Capture capture = CorpusFiles.read(file);
    assertEquals(FrameDecoder.DLT_LINUX_SLL2, capture.linkType());
    assertEquals(3, capture.frames().size());
    FrameDecoder d = new FrameDecoder(capture.linkType());
    DecodeOutcome[] expected = {DecodeOutcome.FLOW, DecodeOutcome.FLOW, DecodeOutcome.IP_NO_PORTS};
    for (int i = 0; i < 3; i++) {
      CorpusFiles.Frame f = capture.frames().get(i);
      assertEquals(expected[i],
          d.decode(f.data(), 0, f.data().length, f.wireLength(), f.timestampNanos(), out));
      assertEquals(nanos[i], out.timestampNanos);
      assertEquals(frames.get(i).length, out.wireLength);
    }
    assertEquals(9, out.interfaceIndex);
  }

  /** Writes a little-endian, nanosecond-resolution classic pcap file. */
  private static void writeNanoPcap(Path file, int linkType, List<byte[]> frames, long[] nanos)
      throws IOException {
    int size = 24 + frames.stream().mapToInt(f -> 16 + f.length).sum();
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
        .putInt(65535).putInt(linkType);
    for (int i = 0; i < frames.size(); i++) {
      byte[] f = frames.get(i);
      b.putInt((int) (nanos[i] / 1_000_000_000L)).putInt((int) (nanos[i] % 1_000_000_000L))
          .putInt(f.length).putInt(f.length).put(f);
    }
    Files.write(file, b.array());
  }
}
