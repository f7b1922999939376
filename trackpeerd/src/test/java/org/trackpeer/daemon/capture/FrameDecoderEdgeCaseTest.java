package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.daemon.capture.TestFrames.IP4_A;
import static org.trackpeer.daemon.capture.TestFrames.IP4_B;
import static org.trackpeer.daemon.capture.TestFrames.MAC_A;
import static org.trackpeer.daemon.capture.TestFrames.MAC_B;
import static org.trackpeer.daemon.capture.TestFrames.concat;
import static org.trackpeer.daemon.capture.TestFrames.ethernet;
import static org.trackpeer.daemon.capture.TestFrames.extHeader;
import static org.trackpeer.daemon.capture.TestFrames.ipv4;
import static org.trackpeer.daemon.capture.TestFrames.ipv6;
import static org.trackpeer.daemon.capture.TestFrames.payload;
import static org.trackpeer.daemon.capture.TestFrames.tcp;
import static org.trackpeer.daemon.capture.TestFrames.udp;
import static org.trackpeer.daemon.capture.TestFrames.vlanTag;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Built frames: every truncation point, bad lengths, long chains, random bytes. */
final class FrameDecoderEdgeCaseTest {
  private static final int[] LINK_TYPES = {0, 1, 12, 101, 113, 276, 127, 239, 160, -1};

  private final DecodedFrame out = new DecodedFrame();

  private DecodeOutcome decode(int linkType, byte[] frame, int capLen) {
    return new FrameDecoder(linkType).decode(frame, 0, capLen, frame.length, 42L, out);
  }

  private DecodeOutcome decode(int linkType, byte[] frame) {
    return decode(linkType, frame, frame.length);
  }

  @Test
  void decode_everyTruncationOfTaggedIpv4TcpWithOptions_rightOutcome() {
    byte[] options = {1, 1, 1, 0, (byte) 0x94, 4, 0, 0}; // NOP NOP NOP EOL, router alert
    byte[] tcp = tcp(40000, 443, 0xfedcba98L, 0x18, 12);
    byte[] data = payload(30);
    byte[] frame = concat(ethernet(MAC_B, MAC_A, 0x88a8), vlanTag(0, 300, 0x8100),
        vlanTag(5, 42, 0x0800), ipv4(6, IP4_A, IP4_B, options, tcp.length + data.length),
        tcp, data);
    int ip = 14 + 8;
    int l4 = ip + 28;
    for (int len = 0; len <= frame.length; len++) {
      DecodeOutcome o = decode(1, frame, len);
      String at = "capLen " + len;
      if (len < 14) {
        assertEquals(DecodeOutcome.TRUNCATED_LINK, o, at);
        assertFalse(out.hasSrcMac, at);
      } else if (len < ip) {
        assertEquals(DecodeOutcome.TRUNCATED_VLAN, o, at);
      } else if (len < l4) {
        assertEquals(DecodeOutcome.TRUNCATED_IP, o, at);
        assertEquals(0, out.ipVersion, at);
      } else if (len < l4 + 4) {
        assertEquals(DecodeOutcome.IP_NO_PORTS, o, at);
        assertEquals(6, out.protocol, at);
        assertEquals(IP4_A, out.srcIp4, at);
      } else {
        assertEquals(DecodeOutcome.FLOW, o, at);
        assertEquals(40000, out.srcPort, at);
        assertEquals(443, out.dstPort, at);
        assertEquals(len >= l4 + 14, out.hasTcpHeader, at);
        if (out.hasTcpHeader) {
          assertEquals(0xfedcba98L, out.tcpSeq, at);
          assertEquals(0x18, out.tcpFlags, at);
        }
        if (len >= l4 + 32) {
          assertEquals(l4 + 32, out.payloadOffset, at);
          assertEquals(len - l4 - 32, out.payloadLength, at);
        } else {
          assertEquals(-1, out.payloadOffset, at);
        }
      }
      if (len >= ip) {
        assertEquals(42, out.vlan, at);
        assertEquals(300, out.outerVlan, at);
      }
      if (len >= 14) {
        assertEquals(MAC_A, out.srcMac, at);
        assertEquals(MAC_B, out.dstMac, at);
      }
    }
  }

  @Test
  void decode_everyTruncationOfIpv6ExtensionChain_rightOutcome() {
    byte[] data = payload(10);
    List<byte[]> headers = new ArrayList<>();
    headers.add(extHeader(43, 1)); // hop-by-hop -> routing
    headers.add(extHeader(44, 3)); // routing -> fragment
    headers.add(TestFrames.fragmentHeader(51, 0, true)); // fragment -> AH
    headers.add(TestFrames.authHeader(60, 6)); // AH -> destination options
    headers.add(extHeader(135, 2)); // destination options -> mobility
    headers.add(extHeader(139, 1)); // mobility -> HIP
    headers.add(extHeader(140, 1)); // HIP -> shim6
    headers.add(extHeader(17, 1)); // shim6 -> UDP
    int extBytes = headers.stream().mapToInt(h -> h.length).sum();
    byte[] udp = udp(5353, 53, data.length);
    List<byte[]> parts = new ArrayList<>();
    parts.add(ethernet(MAC_B, MAC_A, 0x86dd));
    parts.add(ipv6(0, extBytes + udp.length + data.length));
    parts.addAll(headers);
    parts.add(udp);
    parts.add(data);
    byte[] frame = concat(parts.toArray(new byte[0][]));
    // Bytes each header needs before the walk can go on: 8 for fragment, else 2.
    int[] starts = new int[headers.size()];
    int[] needs = new int[headers.size()];
    int at = 54;
    for (int i = 0; i < headers.size(); i++) {
      starts[i] = at;
      needs[i] = i == 2 ? 8 : 2;
      at += headers.get(i).length;
    }
    int l4 = at;
    for (int len = 0; len <= frame.length; len++) {
      DecodeOutcome o = decode(1, frame, len);
      String msg = "capLen " + len;
      DecodeOutcome expected;
      if (len < 14) {
        expected = DecodeOutcome.TRUNCATED_LINK;
      } else if (len < 54) {
        expected = DecodeOutcome.TRUNCATED_IP;
      } else {
        expected = null;
        for (int i = 0; i < starts.length && expected == null; i++) {
          if (len < starts[i] + needs[i]) {
            expected = DecodeOutcome.TRUNCATED_EXT_HEADER;
          }
        }
        if (expected == null) {
          expected = len < l4 + 4 ? DecodeOutcome.IP_NO_PORTS : DecodeOutcome.FLOW;
        }
      }
      assertEquals(expected, o, msg);
      if (len >= 54) {
        assertEquals(6, out.ipVersion, msg);
        assertEquals(TestFrames.IP6_A_LO, out.srcIpLo, msg);
        assertEquals(TestFrames.IP6_B_HI, out.dstIpHi, msg);
      }
      if (o == DecodeOutcome.IP_NO_PORTS) {
        assertEquals(17, out.protocol, msg);
      }
      if (o == DecodeOutcome.FLOW) {
        assertEquals(5353, out.srcPort, msg);
        assertEquals(53, out.dstPort, msg);
        assertEquals(len >= l4 + 8 ? l4 + 8 : -1, out.payloadOffset, msg);
      }
    }
  }

  @Test
  void decode_everyTruncationOfSllAndSll2_rightOutcome() {
    byte[] udp = udp(1000, 2000, 0);
    byte[] ip = ipv4(17, IP4_A, IP4_B, new byte[0], 8);
    byte[] sll = concat(TestFrames.sll(0, 1, 6, MAC_A, 0x0800), ip, udp);
    byte[] sll2 = concat(TestFrames.sll2(0x0800, 7, 1, 0, 6, MAC_A), ip, udp);
    for (int len = 0; len <= sll.length; len++) {
      DecodeOutcome o = decode(113, sll, len);
      assertEquals(len < 16 ? DecodeOutcome.TRUNCATED_LINK
          : len < 36 ? DecodeOutcome.TRUNCATED_IP
          : len < 40 ? DecodeOutcome.IP_NO_PORTS : DecodeOutcome.FLOW, o, "SLL capLen " + len);
    }
    for (int len = 0; len <= sll2.length; len++) {
      DecodeOutcome o = decode(276, sll2, len);
      assertEquals(len < 20 ? DecodeOutcome.TRUNCATED_LINK
          : len < 40 ? DecodeOutcome.TRUNCATED_IP
          : len < 44 ? DecodeOutcome.IP_NO_PORTS : DecodeOutcome.FLOW, o, "SLL2 capLen " + len);
    }
  }

  @Test
  void decode_nullAndRawTruncated_rightOutcome() {
    byte[] ip = concat(ipv4(17, IP4_A, IP4_B, new byte[0], 8), udp(1, 2, 0));
    byte[] loop = concat(new byte[] {2, 0, 0, 0}, ip);
    for (int len = 0; len < 4; len++) {
      assertEquals(DecodeOutcome.TRUNCATED_LINK, decode(0, loop, len));
    }
    assertEquals(DecodeOutcome.TRUNCATED_IP, decode(0, loop, 4));
    assertEquals(DecodeOutcome.TRUNCATED_IP, decode(12, ip, 0));
    assertEquals(DecodeOutcome.TRUNCATED_IP, decode(101, ip, 19));
    assertEquals(DecodeOutcome.FLOW, decode(101, ip));
  }

  @Test
  void decode_ipv4HeaderLengthBelowFive_badHeaderLength() {
    byte[] frame = concat(ethernet(MAC_B, MAC_A, 0x0800),
        ipv4(17, IP4_A, IP4_B, new byte[0], 8), udp(1, 2, 0));
    for (int ihl = 0; ihl < 5; ihl++) {
      frame[14] = (byte) (0x40 | ihl);
      assertEquals(DecodeOutcome.BAD_IPV4_HEADER_LENGTH, decode(1, frame), "IHL " + ihl);
      assertEquals(0, out.ipVersion);
    }
    frame[14] = 0x46; // 24-byte header: the UDP ports become options, length/checksum the ports
    assertEquals(DecodeOutcome.FLOW, decode(1, frame));
    assertEquals(8, out.srcPort);
    frame[14] = 0x47; // 28-byte header fills the whole total length: nothing left for ports
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode(1, frame));
    frame[14] = 0x4f; // 60-byte header claimed, not captured
    assertEquals(DecodeOutcome.TRUNCATED_IP, decode(1, frame));
  }

  @Test
  void decode_ipv4TotalLengths_badShortZeroAndOversized() {
    byte[] frame = concat(ethernet(MAC_B, MAC_A, 0x0800),
        ipv4(6, IP4_A, IP4_B, new byte[0], 20), tcp(80, 8080, 1, 0x02, 0));
    TestFrames.put16(frame, 16, 19);
    assertEquals(DecodeOutcome.BAD_IP_LENGTH, decode(1, frame));
    TestFrames.put16(frame, 16, 20); // header only: the TCP bytes are padding, not ports
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode(1, frame));
    assertFalse(out.hasPorts);
    TestFrames.put16(frame, 16, 0);
    assertEquals(DecodeOutcome.FLOW, decode(1, frame));
    assertEquals(0, out.payloadLength);
    TestFrames.put16(frame, 16, 65535);
    assertEquals(DecodeOutcome.FLOW, decode(1, frame));
    assertEquals(8080, out.dstPort);
    assertEquals(14 + 40, out.payloadOffset);
  }

  @Test
  void decode_ethernetPaddingAfterShortIpPacket_payloadExcludesPadding() {
    byte[] frame = concat(ethernet(MAC_B, MAC_A, 0x0800),
        ipv4(17, IP4_A, IP4_B, new byte[0], 10), udp(67, 68, 2), payload(2), new byte[16]);
    assertEquals(DecodeOutcome.FLOW, decode(1, frame));
    assertEquals(14 + 28, out.payloadOffset);
    assertEquals(2, out.payloadLength);
  }

  @Test
  void decode_ipv4Fragments_portsOnlyFromFirst() {
    byte[] frame = concat(ethernet(MAC_B, MAC_A, 0x0800),
        ipv4(17, IP4_A, IP4_B, new byte[0], 8), udp(1, 2, 0));
    TestFrames.put16(frame, 20, 0x2000); // MF, offset 0
    assertEquals(DecodeOutcome.FLOW, decode(1, frame));
    assertFalse(out.laterFragment);
    TestFrames.put16(frame, 20, 0x2001); // MF, offset 8 bytes
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode(1, frame));
    assertTrue(out.laterFragment);
    assertFalse(out.hasPorts);
    assertEquals(17, out.protocol);
    assertEquals(IP4_B, out.dstIp4);
  }

  @Test
  void decode_ipv6FragmentHeader_laterFragmentHasNoPorts() {
    byte[] first = concat(ethernet(MAC_B, MAC_A, 0x86dd), ipv6(44, 16),
        TestFrames.fragmentHeader(17, 0, true), udp(9, 10, 0));
    assertEquals(DecodeOutcome.FLOW, decode(1, first));
    byte[] later = concat(ethernet(MAC_B, MAC_A, 0x86dd), ipv6(44, 16),
        TestFrames.fragmentHeader(17, 185, false), udp(9, 10, 0));
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode(1, later));
    assertTrue(out.laterFragment);
    assertEquals(17, out.protocol);
  }

  @Test
  void decode_ipv6EspAndNoNextHeader_ipNoPorts() {
    byte[] esp = concat(ethernet(MAC_B, MAC_A, 0x86dd), ipv6(50, 8), udp(9, 10, 0));
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode(1, esp));
    assertEquals(50, out.protocol);
    byte[] none = concat(ethernet(MAC_B, MAC_A, 0x86dd), ipv6(60, 16), extHeader(59, 1),
        udp(9, 10, 0));
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode(1, none));
    assertEquals(59, out.protocol);
  }

  @Test
  void decode_ipv6ExtensionChainAtAndBeyondBound_tooLongBeyond() {
    for (int count : new int[] {FrameDecoder.MAX_IPV6_EXT_HEADERS,
        FrameDecoder.MAX_IPV6_EXT_HEADERS + 1, 200}) {
      List<byte[]> parts = new ArrayList<>();
      parts.add(ethernet(MAC_B, MAC_A, 0x86dd));
      parts.add(ipv6(60, count * 8 + 8));
      for (int i = 0; i < count; i++) {
        parts.add(extHeader(i == count - 1 ? 17 : 60, 1));
      }
      parts.add(udp(7, 8, 0));
      byte[] frame = concat(parts.toArray(new byte[0][]));
      DecodeOutcome expected = count <= FrameDecoder.MAX_IPV6_EXT_HEADERS
          ? DecodeOutcome.FLOW : DecodeOutcome.EXT_CHAIN_TOO_LONG;
      assertEquals(expected, decode(1, frame), count + " headers");
    }
  }

  @Test
  void decode_ipv6PayloadLengthZeroWithHopByHop_jumboAccepted() {
    byte[] frame = concat(ethernet(MAC_B, MAC_A, 0x86dd), ipv6(0, 0),
        new byte[] {6, 0, (byte) 0xc2, 4, 0, 1, 0, 0}, tcp(1234, 80, 5, 0x10, 0), payload(100));
    assertEquals(DecodeOutcome.FLOW, decode(1, frame));
    assertEquals(1234, out.srcPort);
    assertEquals(100, out.payloadLength);
  }

  @Test
  void decode_vlanTagsUpToBound_innerAndOuterVid() {
    for (int tags = 1; tags <= FrameDecoder.MAX_VLAN_TAGS + 1; tags++) {
      List<byte[]> parts = new ArrayList<>();
      parts.add(ethernet(MAC_B, MAC_A, 0x9100));
      for (int i = 0; i < tags; i++) {
        parts.add(vlanTag(i % 8, 100 + i, i == tags - 1 ? 0x0806 : 0x8100));
      }
      parts.add(new byte[28]);
      byte[] frame = concat(parts.toArray(new byte[0][]));
      DecodeOutcome o = decode(1, frame);
      if (tags > FrameDecoder.MAX_VLAN_TAGS) {
        assertEquals(DecodeOutcome.TOO_MANY_VLAN_TAGS, o);
      } else {
        assertEquals(DecodeOutcome.NOT_IP, o, tags + " tags");
        assertEquals(100 + tags - 1, out.vlan);
        assertEquals(tags >= 2 ? 100 : DecodedFrame.NO_VLAN, out.outerVlan);
      }
    }
  }

  @Test
  void decode_ethertypeVersionMismatch_badIpVersion() {
    byte[] v6inV4 = concat(ethernet(MAC_B, MAC_A, 0x0800), ipv6(17, 8), udp(1, 2, 0));
    assertEquals(DecodeOutcome.BAD_IP_VERSION, decode(1, v6inV4));
    byte[] raw = concat(ipv4(17, IP4_A, IP4_B, new byte[0], 8), udp(1, 2, 0));
    raw[0] = 0x55;
    assertEquals(DecodeOutcome.BAD_IP_VERSION, decode(12, raw));
  }

  @Test
  void decode_ieee8023LengthFrame_notIp() {
    byte[] frame = concat(ethernet(0x0180c2000000L, MAC_A, 38), new byte[46]);
    assertEquals(DecodeOutcome.NOT_IP, decode(1, frame));
    assertEquals(MAC_A, out.srcMac);
  }

  @Test
  void decode_nullLinkBothByteOrdersAndFamilies_rightIpVersion() {
    byte[] v4 = concat(ipv4(17, IP4_A, IP4_B, new byte[0], 8), udp(1, 2, 0));
    byte[] v6 = concat(ipv6(17, 8), udp(1, 2, 0));
    assertEquals(DecodeOutcome.FLOW, decode(0, concat(new byte[] {2, 0, 0, 0}, v4)));
    assertEquals(DecodeOutcome.FLOW, decode(0, concat(new byte[] {0, 0, 0, 2}, v4)));
    for (int family : new int[] {10, 24, 28, 30}) {
      assertEquals(DecodeOutcome.FLOW,
          decode(0, concat(new byte[] {(byte) family, 0, 0, 0}, v6)), "family " + family);
      assertEquals(6, out.ipVersion);
      assertEquals(DecodeOutcome.FLOW,
          decode(0, concat(new byte[] {0, 0, 0, (byte) family}, v6)), "family " + family);
    }
    assertEquals(DecodeOutcome.NOT_IP, decode(0, concat(new byte[] {7, 0, 0, 0}, v4)));
  }

  @Test
  void decode_sllVariants_macOnlyWithSixByteAddress() {
    byte[] ip = concat(ipv4(17, IP4_A, IP4_B, new byte[0], 8), udp(1, 2, 0));
    assertEquals(DecodeOutcome.FLOW, decode(113, concat(TestFrames.sll(3, 1, 6, MAC_B, 0x0800),
        ip)));
    assertTrue(out.hasSrcMac);
    assertEquals(MAC_B, out.srcMac);
    assertEquals(3, out.packetType);
    assertEquals(-1, out.interfaceIndex);
    assertEquals(DecodeOutcome.FLOW, decode(113, concat(TestFrames.sll(0, 512, 0, 0, 0x0800),
        ip)));
    assertFalse(out.hasSrcMac);
    assertEquals(DecodeOutcome.FLOW, decode(113, concat(TestFrames.sll(0, 1, 8, MAC_B, 0x0800),
        ip)));
    assertFalse(out.hasSrcMac);
    assertEquals(0, out.srcMac);
    byte[] tagged = concat(TestFrames.sll(4, 1, 6, MAC_A, 0x8100), vlanTag(0, 7, 0x0800), ip);
    assertEquals(DecodeOutcome.FLOW, decode(113, tagged));
    assertEquals(7, out.vlan);
    assertEquals(DecodedFrame.PKTTYPE_OUTGOING, out.packetType);
    assertEquals(DecodeOutcome.TRUNCATED_VLAN, decode(113, tagged, 18));
    assertEquals(DecodeOutcome.NOT_IP,
        decode(113, concat(TestFrames.sll(0, 824, 0, 0, 0x0010), new byte[20])));
  }

  @Test
  void decode_zeroByteFrames_truncatedOrUnsupported() {
    for (int lt : LINK_TYPES) {
      DecodeOutcome o = decode(lt, new byte[0]);
      DecodeOutcome expected = new FrameDecoder(lt).isSupported()
          ? (lt == 12 || lt == 101 ? DecodeOutcome.TRUNCATED_IP : DecodeOutcome.TRUNCATED_LINK)
          : DecodeOutcome.UNSUPPORTED_LINK;
      assertEquals(expected, o, "link type " + lt);
    }
  }

  @Test
  void decode_frameOf65535Bytes_fullPayload() {
    int dataLen = 65535 - 14 - 28;
    byte[] frame = concat(ethernet(MAC_B, MAC_A, 0x0800),
        ipv4(17, IP4_A, IP4_B, new byte[0], 8 + dataLen), udp(4000, 4001, dataLen),
        payload(dataLen));
    assertEquals(65535, frame.length);
    assertEquals(DecodeOutcome.FLOW, decode(1, frame));
    assertEquals(dataLen, out.payloadLength);
    byte[] zeros = new byte[65535];
    for (int lt : LINK_TYPES) {
      assertNotNull(decode(lt, zeros));
    }
  }

  @Test
  void decode_invalidArguments_invalidArgumentNoThrow() {
    FrameDecoder d = new FrameDecoder(1);
    byte[] b = new byte[64];
    assertEquals(DecodeOutcome.INVALID_ARGUMENT, d.decode(null, 0, 0, 0, 0, out));
    assertEquals(DecodeOutcome.INVALID_ARGUMENT, d.decode(b, -1, 10, 10, 0, out));
    assertEquals(DecodeOutcome.INVALID_ARGUMENT, d.decode(b, 0, -1, 10, 0, out));
    assertEquals(DecodeOutcome.INVALID_ARGUMENT, d.decode(b, 60, 5, 10, 0, out));
    assertEquals(DecodeOutcome.INVALID_ARGUMENT, d.decode(b, 65, 0, 10, 0, out));
    assertEquals(DecodeOutcome.INVALID_ARGUMENT, d.decode(b, 1, Integer.MAX_VALUE, 10, 0, out));
    assertEquals(DecodeOutcome.INVALID_ARGUMENT, d.decode(b, 0, 14, 14, 0, null));
    assertEquals(DecodeOutcome.TRUNCATED_LINK, d.decode(b, 64, 0, Integer.MIN_VALUE, 0, out));
  }

  @Test
  void decode_nonZeroOffset_sameResultAsCopyAtZero() {
    byte[] frame = concat(ethernet(MAC_B, MAC_A, 0x8100), vlanTag(0, 9, 0x86dd), ipv6(6, 30),
        tcp(1, 2, 3, 0x11, 0), payload(10));
    byte[] big = new byte[frame.length + 100];
    Arrays.fill(big, (byte) 0x55);
    System.arraycopy(frame, 0, big, 37, frame.length);
    assertEquals(DecodeOutcome.FLOW, new FrameDecoder(1).decode(big, 37, frame.length,
        frame.length, 0, out));
    assertEquals(18 + 40 + 20, out.payloadOffset);
    assertEquals(10, out.payloadLength);
    assertEquals(9, out.vlan);
  }

  @Test
  void decode_randomBytesEveryLinkType_neverThrowsAndStaysInBounds() {
    SplittableRandom rnd = new SplittableRandom(20240501L);
    byte[][] prefixes = {
        ethernet(MAC_B, MAC_A, 0x0800), ethernet(MAC_B, MAC_A, 0x86dd),
        ethernet(MAC_B, MAC_A, 0x8100), concat(ethernet(MAC_B, MAC_A, 0x8100),
            vlanTag(0, 1, 0x86dd), new byte[] {0x60, 0, 0, 0, 0, 0, 0})};
    DecodeCounters counters = new DecodeCounters();
    byte[] window = new byte[2048 + 64];
    DecodedFrame atZero = new DecodedFrame();
    int frames = 200_000;
    for (int i = 0; i < frames; i++) {
      int lt = LINK_TYPES[rnd.nextInt(LINK_TYPES.length)];
      int len = rnd.nextInt(8) == 0 ? rnd.nextInt(2048) : rnd.nextInt(160);
      byte[] frame = new byte[len];
      for (int j = 0; j < len; j++) {
        frame[j] = (byte) rnd.nextInt(256);
      }
      // Steer a share of frames past the link layer so the IP paths see random data too.
      if (lt == 1 && len > 30 && rnd.nextBoolean()) {
        byte[] p = prefixes[rnd.nextInt(prefixes.length)];
        System.arraycopy(p, 0, frame, 0, Math.min(p.length, len));
        int ipAt = p.length > 14 ? 18 : 14;
        if (len > ipAt + 1 && p.length <= ipAt + 1) {
          frame[ipAt] = (byte) (rnd.nextBoolean() ? 0x45 : 0x60);
        }
      } else if ((lt == 12 || lt == 101) && len > 0 && rnd.nextBoolean()) {
        frame[0] = (byte) (rnd.nextBoolean() ? 0x45 : 0x60);
      }
      FrameDecoder decoder = new FrameDecoder(lt);
      DecodeOutcome o = decoder.decode(frame, 0, len, rnd.nextInt(), i, atZero);
      assertNotNull(o);
      counters.count(o);
      assertInvariants(o, atZero, len);
      // Same bytes inside a larger buffer with garbage around: identical result.
      int off = rnd.nextInt(64);
      Arrays.fill(window, (byte) rnd.nextInt(256));
      System.arraycopy(frame, 0, window, off, len);
      assertEquals(o, decoder.decode(window, off, len, 0, i, out));
      assertEquals(atZero.srcPort, out.srcPort);
      assertEquals(atZero.payloadOffset, out.payloadOffset);
      assertEquals(atZero.srcIpLo, out.srcIpLo);
    }
    assertEquals(frames, counters.total());
    assertTrue(counters.get(DecodeOutcome.FLOW) > 0, counters.toString());
    assertTrue(counters.get(DecodeOutcome.NOT_IP) > 0, counters.toString());
    assertTrue(counters.get(DecodeOutcome.TRUNCATED_IP) > 0, counters.toString());
  }

  private static void assertInvariants(DecodeOutcome o, DecodedFrame f, int capLen) {
    if (o == DecodeOutcome.FLOW) {
      assertTrue(f.hasPorts && (f.protocol == 6 || f.protocol == 17));
    } else {
      assertFalse(f.hasPorts);
    }
    if (o == DecodeOutcome.FLOW || o == DecodeOutcome.IP_NO_PORTS) {
      assertTrue(f.ipVersion == 4 || f.ipVersion == 6);
    }
    assertTrue(f.srcPort >= 0 && f.srcPort <= 65535 && f.dstPort >= 0 && f.dstPort <= 65535);
    assertTrue(f.vlan >= -1 && f.vlan <= 4095 && f.outerVlan >= -1 && f.outerVlan <= 4095);
    if (f.payloadOffset >= 0) {
      assertTrue(f.payloadLength >= 0 && f.payloadOffset + f.payloadLength <= capLen);
    } else {
      assertEquals(0, f.payloadLength);
    }
    assertTrue(f.hasSrcMac || f.srcMac == 0);
  }
}
