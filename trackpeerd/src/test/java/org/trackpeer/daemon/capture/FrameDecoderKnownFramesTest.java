package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.MacAddress;

/**
 * Exact field values for chosen corpus frames. Expected values were read off
 * {@code tcpdump -r FILE -nn -e -v -x} (tcpdump 4.99.3).
 */
final class FrameDecoderKnownFramesTest {

  /** Decodes frame {@code index} of a corpus file into {@code out}. */
  private static DecodeOutcome decode(String file, int index, DecodedFrame out) throws Exception {
    CorpusFiles.Capture capture = CorpusFiles.read(CorpusFiles.corpusFile(file));
    CorpusFiles.Frame f = capture.frames().get(index);
    return new FrameDecoder(capture.linkType())
        .decode(f.data(), 0, f.data().length, f.wireLength(), f.timestampNanos(), out);
  }

  private static String ip4(int v) throws Exception {
    return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(v).array()).getHostAddress();
  }

  private static InetAddress ip6(long hi, long lo) throws Exception {
    return InetAddress.getByAddress(ByteBuffer.allocate(16).putLong(hi).putLong(lo).array());
  }

  private static String mac(long v) {
    return MacAddress.format(v);
  }

  @Test
  void decode_qinqArp_outerAndInnerVlanNotIp() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.NOT_IP, decode("802.1ad_QinQ.pcap", 0, out));
    assertEquals(200, out.outerVlan);
    assertEquals(2001, out.vlan);
    assertEquals("00:20:d2:5a:fb:3f", mac(out.srcMac));
    assertEquals("ff:ff:ff:ff:ff:ff", mac(out.dstMac));
    assertEquals(0, out.ipVersion);
    assertEquals(DecodeOutcome.NOT_IP, decode("802.1ad_QinQ.pcap", 1, out));
    assertEquals("00:80:ea:81:88:63", mac(out.srcMac));
    assertEquals("00:20:d2:5a:fb:3f", mac(out.dstMac));
  }

  @Test
  void decode_singleTagHttp_vlanPortsSeqPayload() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("ipv4_tcp_http_xml.pcap", 0, out));
    assertEquals(165, out.vlan);
    assertEquals(DecodedFrame.NO_VLAN, out.outerVlan);
    assertEquals("00:50:56:9f:36:9f", mac(out.srcMac));
    assertEquals("00:03:b2:78:04:17", mac(out.dstMac));
    assertEquals(4, out.ipVersion);
    assertEquals("10.21.11.94", ip4(out.srcIp4));
    assertEquals("10.114.101.120", ip4(out.dstIp4));
    assertEquals(6, out.protocol);
    assertEquals(80, out.srcPort);
    assertEquals(5767, out.dstPort);
    assertTrue(out.hasTcpHeader);
    assertEquals(908588050L, out.tcpSeq);
    assertEquals(0x18, out.tcpFlags);
    assertEquals(14 + 4 + 20 + 20, out.payloadOffset);
    assertEquals(605, out.payloadLength);
    assertEquals(1395173523_342266000L, out.timestampNanos);
  }

  @Test
  void decode_bfdPriority7Tag_vidWithoutPriorityBits() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("bfd_source_port_49152.pcap", 0, out));
    assertEquals(11, out.vlan);
    assertEquals("94:43:4d:c0:17:85", mac(out.srcMac));
    assertEquals("11.11.11.2", ip4(out.srcIp4));
    assertEquals("11.11.11.1", ip4(out.dstIp4));
    assertEquals(17, out.protocol);
    assertEquals(49152, out.srcPort);
    assertEquals(3784, out.dstPort);
    assertFalse(out.hasTcpHeader);
    assertEquals(14 + 4 + 20 + 8, out.payloadOffset);
    assertEquals(52 - 28, out.payloadLength);
  }

  @Test
  void decode_sllWithoutLinkAddress_noMacAndExactNanos() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("tcp-handshake-nano.pcap", 0, out));
    assertFalse(out.hasSrcMac);
    assertEquals(0, out.srcMac);
    assertFalse(out.hasDstMac);
    assertEquals(DecodedFrame.PKTTYPE_OUTGOING, out.packetType);
    assertEquals(1418145369_924505488L, out.timestampNanos);
    assertEquals("131.155.215.69", ip4(out.srcIp4));
    assertEquals("137.116.81.94", ip4(out.dstIp4));
    assertEquals(46656, out.srcPort);
    assertEquals(80, out.dstPort);
    assertEquals(0x02, out.tcpFlags);
    assertEquals(797190859L, out.tcpSeq);
    assertEquals(16 + 20 + 40, out.payloadOffset);
    assertEquals(0, out.payloadLength);

    assertEquals(DecodeOutcome.FLOW, decode("tcp-handshake-nano.pcap", 1, out));
    assertEquals(0, out.packetType);
    assertEquals(1418145370_052027262L, out.timestampNanos);
    assertEquals(0x12, out.tcpFlags);
    assertEquals(3078856592L, out.tcpSeq);
    assertEquals(80, out.srcPort);
  }

  @Test
  void decode_sllWithEthernetAddresses_senderMacBothDirections() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("mptcp-v1.pcap", 0, out));
    assertEquals(0, out.packetType);
    assertTrue(out.hasSrcMac);
    assertEquals("32:32:87:aa:04:02", mac(out.srcMac));
    assertFalse(out.hasDstMac);
    assertEquals("10.0.1.1", ip4(out.srcIp4));
    assertEquals(33306, out.srcPort);
    assertEquals(10004, out.dstPort);

    assertEquals(DecodeOutcome.FLOW, decode("mptcp-v1.pcap", 1, out));
    assertEquals(DecodedFrame.PKTTYPE_OUTGOING, out.packetType);
    assertEquals("ee:13:fb:9f:58:9e", mac(out.srcMac));
    assertEquals("10.0.2.1", ip4(out.srcIp4));
    assertEquals(10004, out.srcPort);
    assertEquals(33306, out.dstPort);
  }

  @Test
  void decode_icmpTotalLengthZero_ipNoPorts() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode("icmp-length-zero.pcapng", 0, out));
    assertEquals(4, out.ipVersion);
    assertEquals(1, out.protocol);
    assertEquals("10.25.132.11", ip4(out.srcIp4));
    assertEquals("10.25.132.13", ip4(out.dstIp4));
    assertEquals("d4:af:f7:db:48:97", mac(out.srcMac));
    assertFalse(out.hasPorts);
    assertFalse(out.laterFragment);
    assertEquals(1759756153_000001000L, out.timestampNanos);
  }

  @Test
  void decode_bigTcpIpv4TotalLengthZero_flowWithPorts() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("bigtcp-ipv4.pcap", 0, out));
    assertEquals("10.25.132.13", ip4(out.srcIp4));
    assertEquals("10.25.132.11", ip4(out.dstIp4));
    assertEquals(35871, out.srcPort);
    assertEquals(36425, out.dstPort);
    assertEquals(0xf7adbd8eL, out.tcpSeq);
    assertEquals(0x18, out.tcpFlags);
    assertEquals(14 + 20 + 32, out.payloadOffset);
    assertEquals(80000, out.payloadLength);
    assertEquals(80066, out.wireLength);
  }

  @Test
  void decode_bigTcpIpv6HopByHopJumbo_flowWithPorts() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("bigtcp-ipv6-hbh.pcap", 0, out));
    assertEquals(6, out.ipVersion);
    assertEquals(InetAddress.getByName("2604:1380:4091:ce00::d"), ip6(out.srcIpHi, out.srcIpLo));
    assertEquals(InetAddress.getByName("2604:1380:4091:ce00::b"), ip6(out.dstIpHi, out.dstIpLo));
    assertEquals(6, out.protocol);
    assertEquals(41851, out.srcPort);
    assertEquals(43913, out.dstPort);
    assertEquals(592820498L, out.tcpSeq);
    assertEquals(80000, out.payloadLength);
  }

  @Test
  void decode_ipv6RoutingHeader_icmpNoPortsThenUdpPorts() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode("ipv6-routing-header.pcap", 0, out));
    assertEquals(58, out.protocol);
    assertEquals(DecodeOutcome.FLOW, decode("ipv6-routing-header.pcap", 3, out));
    assertEquals(17, out.protocol);
    assertEquals(InetAddress.getByName("2200::244:212:3fff:feae:22f7"),
        ip6(out.srcIpHi, out.srcIpLo));
    assertEquals(InetAddress.getByName("2200::211:2:0:0:2"), ip6(out.dstIpHi, out.dstIpLo));
    assertEquals(5645, out.srcPort);
    assertEquals(5642, out.dstPort);
    assertEquals(0, out.payloadLength);
  }

  @Test
  void decode_ipv4HeaderLength16_badHeaderLength() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.BAD_IPV4_HEADER_LENGTH,
        decode("ipv4_invalid_hdr_length.pcap", 0, out));
    assertEquals(0, out.ipVersion);
    assertFalse(out.hasPorts);
    assertEquals("f0:4d:a2:3d:5d:a3", mac(out.srcMac));
  }

  @Test
  void decode_udpHeaderCutAfterPorts_portsReadNoPayload() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("udp-length-heapoverflow.pcap", 0, out));
    assertEquals("48.48.48.48", ip4(out.srcIp4));
    assertEquals(12336, out.srcPort);
    assertEquals(12336, out.dstPort);
    assertEquals(-1, out.payloadOffset);
    assertEquals(262144, out.wireLength);
  }

  @Test
  void decode_ipv6HeaderOf25Bytes_truncatedIp() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.TRUNCATED_IP, decode("ipv6_39_byte_header.pcap", 0, out));
    assertEquals(0, out.ipVersion);
    assertEquals(DecodeOutcome.TRUNCATED_IP, decode("ipv6_invalid_length.pcap", 0, out));
  }

  @Test
  void decode_ipv6NoNextHeader_ipNoPorts() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode("ipv6_no_next_header.pcap", 0, out));
    assertEquals(59, out.protocol);
    assertEquals(InetAddress.getByName("2005::1"), ip6(out.srcIpHi, out.srcIpLo));
  }

  @Test
  void decode_ipv6VersionNibbleZero_badIpVersion() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.IP_NO_PORTS, decode("ipv6-bad-version.pcap", 0, out));
    assertEquals(DecodeOutcome.BAD_IP_VERSION, decode("ipv6-bad-version.pcap", 1, out));
    assertEquals("24:84:3f:eb:3c:ee", mac(out.srcMac));
  }

  @Test
  void decode_timestampsBeyond2038_unsignedSecondsExact() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("time_2106_max.pcap", 0, out));
    assertEquals(0xffff_ffffL * 1_000_000_000L, out.timestampNanos);
    assertEquals("192.168.1.11", ip4(out.srcIp4));
    assertEquals(43966, out.srcPort);
    assertEquals(53, out.dstPort);
    assertEquals(DecodeOutcome.FLOW, decode("time_2038_overflow.pcap", 0, out));
    assertEquals(0x8000_0000L * 1_000_000_000L, out.timestampNanos);
    assertEquals(DecodeOutcome.FLOW, decode("time_2107.pcapng", 0, out));
    // 2107-01-01T00:00:00Z, only representable in pcapng's 64-bit timestamp.
    assertEquals(4323283200_000000000L, out.timestampNanos);
  }

  @Test
  void decode_rawIpLink_noMacPorts() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("LINKTYPE_RAW_ipv4.pcap", 0, out));
    assertFalse(out.hasSrcMac);
    assertFalse(out.hasDstMac);
    assertEquals("192.168.1.100", ip4(out.srcIp4));
    assertEquals("9.9.9.9", ip4(out.dstIp4));
    assertEquals(12345, out.srcPort);
    assertEquals(53, out.dstPort);
    assertEquals(20 + 8, out.payloadOffset);
    assertEquals(1751997551_951226000L, out.timestampNanos);
  }

  @Test
  void decode_nullLoopbackLink_familyHeaderSkipped() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("dns-badcookie.pcap", 0, out));
    assertEquals("127.0.0.1", ip4(out.srcIp4));
    assertEquals(54954, out.srcPort);
    assertEquals(53, out.dstPort);
    assertEquals(4 + 20 + 8, out.payloadOffset);
    assertEquals(40, out.payloadLength);
    assertEquals(DecodeOutcome.FLOW, decode("dns-badcookie.pcap", 1, out));
    assertEquals(53, out.srcPort);
    assertEquals(54954, out.dstPort);
  }

  @Test
  void decode_linkType160_unsupportedLink() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.UNSUPPORTED_LINK, decode("unsupported-link-type-160.pcap", 0, out));
    assertFalse(out.hasSrcMac);
    assertEquals(0, out.ipVersion);
  }

  @Test
  void decode_vxlan_outerHeadersOnly() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("vxlan.pcap", 0, out));
    assertEquals("36:dc:85:1e:b3:40", mac(out.srcMac));
    assertEquals("00:16:3e:08:71:cf", mac(out.dstMac));
    assertEquals("192.168.203.1", ip4(out.srcIp4));
    assertEquals("192.168.202.1", ip4(out.dstIp4));
    assertEquals(45149, out.srcPort);
    assertEquals(4789, out.dstPort);
  }

  @Test
  void decode_pppoeSession_notIp() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.NOT_IP, decode("pppoes.pcap", 0, out));
    assertEquals("00:04:23:a9:5d:8e", mac(out.srcMac));
  }

  @Test
  void decode_stpLengthFrameInVlan_notIpWithVlan() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.NOT_IP, decode("various_gre.pcap", 1, out));
    assertEquals(1213, out.vlan);
    assertEquals("aa:bb:cc:00:03:10", mac(out.srcMac));
  }

  @Test
  void decode_tcpPayloadCutBySnapLength_payloadIsWhatWasCaptured() throws Exception {
    DecodedFrame out = new DecodedFrame();
    assertEquals(DecodeOutcome.FLOW, decode("tcp_rst_data-trunc.pcap", 0, out));
    assertEquals(0x14, out.tcpFlags);
    assertEquals(80, out.srcPort);
    assertEquals(52875, out.dstPort);
    assertEquals(57, out.payloadLength);
    assertEquals(112, out.wireLength);
  }
}
