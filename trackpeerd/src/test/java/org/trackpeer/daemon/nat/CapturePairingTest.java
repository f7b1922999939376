package org.trackpeer.daemon.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;

final class CapturePairingTest {
  private static final long MS = 1_000_000L;
  private static final long T0 = 1_700_000_000_000_000_000L;
  private static final InetAddress PUBLIC = Endpoint.parseAddress("203.0.113.1");
  private static final InetAddress SERVER = Endpoint.parseAddress("203.0.113.10");
  private static final byte[] NO_BYTES = new byte[0];

  private final AtomicLong ticker = new AtomicLong();
  private final TranslationLog log = new TranslationLog(ticker::get);
  private final CapturePairing pairing = new CapturePairing(log);

  private static DecodedFrame syn(String src, int srcPort, String dst, int dstPort, long seq,
      long timeNanos) {
    DecodedFrame f = frame(6, src, srcPort, dst, dstPort, timeNanos);
    f.hasTcpHeader = true;
    f.tcpFlags = 0x02;
    f.tcpSeq = seq;
    return f;
  }

  private static DecodedFrame frame(int protocol, String src, int srcPort, String dst,
      int dstPort, long timeNanos) {
    DecodedFrame f = new DecodedFrame();
    f.reset();
    f.timestampNanos = timeNanos;
    f.ipVersion = 4;
    f.srcIp4 = v4(src);
    f.dstIp4 = v4(dst);
    f.protocol = protocol;
    f.hasPorts = true;
    f.srcPort = srcPort;
    f.dstPort = dstPort;
    return f;
  }

  private static int v4(String text) {
    byte[] b = Endpoint.parseAddress(text).getAddress();
    return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
  }

  private List<Translation> find(int protocol, int publicPort, int dstPort) {
    return log.find(protocol, PUBLIC, publicPort, SERVER, dstPort, T0 - 10_000 * MS,
        T0 + 10_000 * MS);
  }

  @Test
  void accept_collidingSynsWithDifferentSeqs_pairsEachHost() {
    pairing.accept(syn("192.0.2.11", 40000, "203.0.113.10", 23, 1111, T0), NO_BYTES, false);
    pairing.accept(syn("203.0.113.1", 40000, "203.0.113.10", 23, 1111, T0 + MS), NO_BYTES, true);
    pairing.accept(syn("192.0.2.12", 40000, "203.0.113.10", 23, 2222, T0 + 1000 * MS),
        NO_BYTES, false);
    pairing.accept(syn("203.0.113.1", 46728, "203.0.113.10", 23, 2222, T0 + 1001 * MS),
        NO_BYTES, true);

    Translation a = find(6, 40000, 23).get(0);
    Translation b = find(6, 46728, 23).get(0);
    assertEquals(Endpoint.parse("192.0.2.11:40000", true), a.inside());
    assertEquals(Endpoint.parse("192.0.2.12:40000", true), b.inside());
    assertEquals(Evidence.PAIRED_CAPTURE, b.evidence());
    assertEquals(2, pairing.stats().paired());
    assertEquals(0, pairing.stats().pending());
  }

  @Test
  void accept_outsideSeenBeforeInside_stillPairs() {
    pairing.accept(syn("203.0.113.1", 46728, "203.0.113.10", 23, 2222, T0), NO_BYTES, true);
    pairing.accept(syn("192.0.2.12", 40000, "203.0.113.10", 23, 2222, T0 + MS), NO_BYTES, false);

    assertEquals(Endpoint.parse("192.0.2.12:40000", true), find(6, 46728, 23).get(0).inside());
  }

  @Test
  void accept_udpDatagrams_pairByPayload() {
    byte[] bufA = "....hello from a".getBytes(StandardCharsets.US_ASCII);
    byte[] bufB = "....hello from b".getBytes(StandardCharsets.US_ASCII);
    DecodedFrame inA = udp("192.0.2.11", 40000, T0, 4, 12);
    DecodedFrame inB = udp("192.0.2.12", 40000, T0 + MS, 4, 12);
    DecodedFrame outB = udp("203.0.113.1", 46728, T0 + 2 * MS, 4, 12);
    DecodedFrame outA = udp("203.0.113.1", 40000, T0 + 3 * MS, 4, 12);

    pairing.accept(inA, bufA, false);
    pairing.accept(inB, bufB, false);
    pairing.accept(outB, bufB, true);
    pairing.accept(outA, bufA, true);

    assertEquals(Endpoint.parse("192.0.2.11:40000", true), find(17, 40000, 5000).get(0).inside());
    assertEquals(Endpoint.parse("192.0.2.12:40000", true), find(17, 46728, 5000).get(0).inside());
  }

  @Test
  void accept_twoCandidatesWithSameFingerprint_countsAmbiguousAndRecordsNothing() {
    pairing.accept(syn("192.0.2.11", 40000, "203.0.113.10", 23, 7, T0), NO_BYTES, false);
    pairing.accept(syn("192.0.2.12", 40000, "203.0.113.10", 23, 7, T0 + MS), NO_BYTES, false);
    pairing.accept(syn("203.0.113.1", 46728, "203.0.113.10", 23, 7, T0 + 2 * MS), NO_BYTES, true);

    assertTrue(find(6, 46728, 23).isEmpty());
    assertEquals(1, pairing.stats().ambiguous());
    assertEquals(0, pairing.stats().paired());
  }

  @Test
  void accept_outsideAfterWindow_expiresThePendingPacket() {
    pairing.accept(syn("192.0.2.11", 40000, "203.0.113.10", 23, 9, T0), NO_BYTES, false);
    pairing.accept(syn("203.0.113.1", 40000, "203.0.113.10", 23, 9, T0 + 2500 * MS),
        NO_BYTES, true);

    assertTrue(find(6, 40000, 23).isEmpty());
    assertEquals(1, pairing.stats().expired());
    assertEquals(1, pairing.stats().pending(), "the late outside packet waits in turn");
  }

  @Test
  void accept_synAckAndOtherProtocols_areIgnored() {
    DecodedFrame synAck = syn("192.0.2.11", 40000, "203.0.113.10", 23, 9, T0);
    synAck.tcpFlags = 0x12;
    DecodedFrame icmp = frame(1, "192.0.2.11", 0, "203.0.113.10", 0, T0);

    pairing.accept(synAck, NO_BYTES, false);
    pairing.accept(icmp, NO_BYTES, false);

    assertEquals(0, pairing.stats().pending());
  }

  @Test
  void accept_beyondMaxPending_dropsOldest() {
    CapturePairing small = new CapturePairing(log, 2000 * MS, 2);
    for (int i = 0; i < 3; i++) {
      small.accept(syn("192.0.2.11", 40000 + i, "203.0.113.10", 23, i, T0 + i * MS), NO_BYTES,
          false);
    }

    assertEquals(1, small.stats().dropped());
    assertEquals(2, small.stats().pending());
  }

  private static DecodedFrame udp(String src, int srcPort, long timeNanos, int payloadOffset,
      int payloadLength) {
    DecodedFrame f = frame(17, src, srcPort, "203.0.113.10", 5000, timeNanos);
    f.payloadOffset = payloadOffset;
    f.payloadLength = payloadLength;
    return f;
  }
}
