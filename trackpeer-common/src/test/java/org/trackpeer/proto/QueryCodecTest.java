package org.trackpeer.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.ProtocolException.Reason;

final class QueryCodecTest {
  // The expected bytes below are written out by hand from the tables in docs/protocol.md.

  private static final String V4_REQUEST = "5450 01 01 0123456789abcdef"
      + "00 06 04 00 001e 0000 000000006553f100 9c40 01bb"
      + "cb007105 c6336407";

  private static final String V6_REQUEST = "5450 01 01 fedcba9876543210"
      + "00 11 06 00 0000 0002 0000000000000000 14e9 0035"
      + "20010db8000000000000000000000005 20010db8000100000000000000000007";

  private static final String FOUND_REPLY = "5450 01 81 0123456789abcdef"
      + "00 02 00 01 0001"
      + "04 01 02005e100001 ffff c030 01bb 17979cfe3d85cd15 17979cfe710868b1"
      + "7665746830 0000000000000000000000"
      + "c000020b c6336407";

  private static final String AMBIGUOUS_REPLY = "5450 01 81 0000000000000007"
      + "02 01 00 02 0002"
      + "04 01 02005e100001 000a c030 01bb 17979cfbe21e1c00 17979cfe3d85cd15"
      + "657468312e3130 000000000000000000"
      + "c000020b c6336407"
      + "04 00 000000000000 ffff c031 01bb 17979cfe3d85cd15 17979cff602ff200"
      + "776c616e30 0000000000000000000000"
      + "c000020c c6336407";

  private static final String NOT_FOUND_REPLY = "5450 01 81 0123456789abcdef 01 00 00 00 0000";

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  private static QueryRequest v4Request() {
    return new QueryRequest(
        0x0123456789abcdefL,
        QueryRequest.TCP,
        Endpoint.parse("203.0.113.5:40000", true),
        Endpoint.parse("198.51.100.7:443", true),
        1_700_000_000L,
        30,
        0);
  }

  private static QueryRequest v6Request() {
    return new QueryRequest(
        0xfedcba9876543210L,
        QueryRequest.UDP,
        Endpoint.parse("[2001:db8::5]:5353", true),
        Endpoint.parse("[2001:db8:1::7]:53", true),
        0,
        0,
        2);
  }

  private static PeerRecord record(String mac, String inside, int port, int vlan, String ifName,
      long firstNanos, long lastNanos) {
    Endpoint in = Endpoint.parse(inside, false);
    Endpoint dst = in.family() == 4
        ? Endpoint.parse("198.51.100.7:443", true)
        : Endpoint.parse("[2001:db8:1::7]:443", true);
    return new PeerRecord(mac == null ? null : MacAddress.parse(mac), in.address(), port,
        dst.address(), dst.port(), vlan, ifName, firstNanos, lastNanos);
  }

  private static QueryReply foundReply() {
    PeerRecord r = record("02:00:5e:10:00:01", "192.0.2.11", 49200, -1, "veth0",
        1_700_000_000_123_456_789L, 1_700_000_000_987_654_321L);
    return new QueryReply(0x0123456789abcdefL, ResultCode.FOUND, Evidence.PORT_MATCH, 1, false,
        List.of(r));
  }

  private static QueryReply ambiguousReply() {
    PeerRecord a = record("02:00:5e:10:00:01", "192.0.2.11", 49200, 10, "eth1.10",
        1_699_999_990_000_000_000L, 1_700_000_000_123_456_789L);
    PeerRecord b = record(null, "192.0.2.12", 49201, -1, "wlan0",
        1_700_000_000_123_456_789L, 1_700_000_005_000_000_000L);
    return new QueryReply(7, ResultCode.AMBIGUOUS, Evidence.FIVE_TUPLE, 2, false, List.of(a, b));
  }

  private static byte[] encode(QueryReply reply, int max) {
    byte[] out = new byte[Protocol.MAX_DATAGRAM_BYTES];
    int n = QueryCodec.encodeReply(reply, out, max);
    return Arrays.copyOf(out, n);
  }

  private static Reason requestReason(byte[] b, int len) {
    return assertThrows(ProtocolException.class, () -> QueryCodec.decodeRequest(b, 0, len))
        .reason();
  }

  private static Reason replyReason(byte[] b, int len) {
    return assertThrows(ProtocolException.class, () -> QueryCodec.decodeReply(b, 0, len))
        .reason();
  }

  // ---------------------------------------------------------------- golden bytes

  @Test
  void encodeRequest_ipv4_matchesDocumentedBytes() {
    assertArrayEquals(hex(V4_REQUEST), QueryCodec.encodeRequest(v4Request(), 0));
  }

  @Test
  void encodeRequest_ipv6_matchesDocumentedBytes() {
    assertArrayEquals(hex(V6_REQUEST), QueryCodec.encodeRequest(v6Request(), 0));
  }

  @Test
  void encodeRequest_paddedTo512_appendsZeros() {
    byte[] b = QueryCodec.encodeRequest(v4Request(), 512);
    assertEquals(512, b.length);
    assertArrayEquals(hex(V4_REQUEST), Arrays.copyOf(b, 40));
    for (int i = 40; i < 512; i++) {
      assertEquals(0, b[i], "byte " + i);
    }
  }

  @Test
  void encodeReply_foundWithOneRecord_matchesDocumentedBytes() {
    assertArrayEquals(hex(FOUND_REPLY), encode(foundReply(), 512));
  }

  @Test
  void encodeReply_ambiguousWithTwoRecords_matchesDocumentedBytes() {
    assertArrayEquals(hex(AMBIGUOUS_REPLY), encode(ambiguousReply(), 512));
  }

  @Test
  void encodeReply_notFound_matchesDocumentedBytes() {
    QueryReply r = QueryReply.of(0x0123456789abcdefL, ResultCode.NOT_FOUND);
    assertArrayEquals(hex(NOT_FOUND_REPLY), encode(r, 512));
  }

  @Test
  void decodeRequest_documentedIpv4Bytes_givesRequest() throws ProtocolException {
    byte[] b = hex(V4_REQUEST);
    DecodedRequest d = QueryCodec.decodeRequest(b, 0, b.length);
    assertEquals(v4Request(), d.query());
    assertEquals(Protocol.OP_QUERY, d.opcode());
    assertEquals(1, d.version());
    assertEquals(40, d.datagramBytes());
    assertFalse(d.isStats());
    assertFalse(d.authenticated());
  }

  @Test
  void decodeReply_documentedBytes_giveReplies() throws ProtocolException {
    byte[] found = hex(FOUND_REPLY);
    assertEquals(foundReply(), QueryCodec.decodeReply(found, 0, found.length));
    byte[] amb = hex(AMBIGUOUS_REPLY);
    QueryReply a = QueryCodec.decodeReply(amb, 0, amb.length);
    assertEquals(ambiguousReply(), a);
    assertNull(a.records().get(1).mac());
    assertEquals(10, a.records().get(0).vlan());
    byte[] nf = hex(NOT_FOUND_REPLY);
    assertEquals(QueryReply.of(0x0123456789abcdefL, ResultCode.NOT_FOUND),
        QueryCodec.decodeReply(nf, 0, nf.length));
  }

  // ---------------------------------------------------------------- round trips

  @Test
  void decodeRequest_paddedIpv6AtOffset_roundTripsAndReportsSize() throws ProtocolException {
    byte[] enc = QueryCodec.encodeRequest(v6Request(), 700);
    byte[] buf = new byte[enc.length + 9];
    System.arraycopy(enc, 0, buf, 5, enc.length);
    DecodedRequest d = QueryCodec.decodeRequest(buf, 5, enc.length);
    assertEquals(v6Request(), d.query());
    assertEquals(700, d.datagramBytes());
  }

  @Test
  void decodeReply_ipv6Records_roundTrip() throws ProtocolException {
    PeerRecord r = record("02:00:5e:10:00:02", "[2001:db8::11]", 50000, 4095, "br-lan",
        -5, 10);
    QueryReply reply = new QueryReply(-1L, ResultCode.FOUND, Evidence.TRANSLATION, 9, true,
        List.of(r, r));
    byte[] b = encode(reply, 1000);
    assertEquals(QueryCodec.replySize(reply.records()), b.length);
    assertEquals(reply, QueryCodec.decodeReply(b, 0, b.length));
  }

  @Test
  void encodeReply_budgetTooSmall_writesWhatFitsAndSetsMore() throws ProtocolException {
    List<PeerRecord> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(record("02:00:5e:10:00:01", "192.0.2." + (i + 1), 40000 + i, -1, "eth0", 0, 1));
    }
    QueryReply reply = new QueryReply(3, ResultCode.AMBIGUOUS, Evidence.PORT_MATCH, 40, false,
        many);
    byte[] b = encode(reply, 512);
    int fit = QueryCodec.recordsThatFit(512, 4);
    assertEquals(9, fit);
    assertEquals(18 + fit * 54, b.length);
    QueryReply d = QueryCodec.decodeReply(b, 0, b.length);
    assertEquals(fit, d.records().size());
    assertEquals(40, d.totalMatches());
    assertTrue(d.more());
    assertEquals(many.subList(0, fit), d.records());
  }

  @Test
  void recordsThatFit_largestDatagram_countsPerFamily() {
    assertEquals((1472 - 18) / 54, QueryCodec.recordsThatFit(1472, 4));
    assertEquals((1472 - 18) / 78, QueryCodec.recordsThatFit(5000, 6));
    assertEquals(0, QueryCodec.recordsThatFit(40, 4));
  }

  @Test
  void encodeReply_interfaceNameTooLongOrNonAscii_isCutAndReplaced()
      throws ProtocolException {
    PeerRecord r = record("02:00:5e:10:00:01", "192.0.2.11", 1, -1, "abcdefghijklmn\u00e9xyz", 0,
        0);
    QueryReply reply = new QueryReply(1, ResultCode.FOUND, Evidence.FIVE_TUPLE, 1, false,
        List.of(r));
    byte[] b = encode(reply, 512);
    assertEquals("abcdefghijklmn?",
        QueryCodec.decodeReply(b, 0, b.length).records().get(0).interfaceName());
  }

  // ---------------------------------------------------------------- stats

  @Test
  void decodeRequest_stats_paddedRequestAccepted() throws ProtocolException {
    byte[] b = QueryCodec.encodeStatsRequest(42, 300);
    assertArrayEquals(hex("5450 01 02 000000000000002a 00"), Arrays.copyOf(b, 13));
    DecodedRequest d = QueryCodec.decodeRequest(b, 0, b.length);
    assertTrue(d.isStats());
    assertNull(d.query());
    assertEquals(42, d.requestId());
    assertEquals(300, d.datagramBytes());
  }

  @Test
  void encodeStatsReply_overBudget_keepsWholeLines() throws ProtocolException {
    String text = "frames 12\nqueries 3\ndrops 0\n";
    byte[] out = new byte[100];
    int n = QueryCodec.encodeStatsReply(9, text, out, 13 + 20);
    StatsReply r = QueryCodec.decodeStatsReply(out, 0, n);
    assertEquals("frames 12\nqueries 3\n", r.text());
    assertEquals(9, r.requestId());
    assertEquals(ResultCode.FOUND, r.result());
    n = QueryCodec.encodeStatsReply(9, text, out, 100);
    assertEquals(text, QueryCodec.decodeStatsReply(out, 0, n).text());
  }

  @Test
  void decodeStatsReply_invalidUtf8_rejectedAsBadText() {
    byte[] b = hex("5450 01 82 0000000000000001 00 ff fe");
    assertEquals(Reason.BAD_TEXT, assertThrows(ProtocolException.class,
        () -> QueryCodec.decodeStatsReply(b, 0, b.length)).reason());
  }

  @Test
  void decodeStatsReply_queryReplyOpcode_rejectedAsBadOpcode() {
    byte[] b = hex(NOT_FOUND_REPLY);
    assertEquals(Reason.BAD_OPCODE, assertThrows(ProtocolException.class,
        () -> QueryCodec.decodeStatsReply(b, 0, b.length)).reason());
  }

  // ---------------------------------------------------------------- error replies

  @Test
  void encodeErrorReply_query_isQueryReplyWithoutRecords() throws ProtocolException {
    byte[] out = new byte[64];
    int n = QueryCodec.encodeErrorReply(Protocol.OP_QUERY, 5, ResultCode.MALFORMED, out, 40);
    assertArrayEquals(hex("5450 01 81 0000000000000005 04 00 00 00 0000"),
        Arrays.copyOf(out, n));
    assertEquals(-1,
        QueryCodec.encodeErrorReply(Protocol.OP_QUERY, 5, ResultCode.MALFORMED, out, 17));
  }

  @Test
  void encodeErrorReply_unknownOpcode_isHeaderAndResult() {
    byte[] out = new byte[64];
    int n = QueryCodec.encodeErrorReply(9, 5, ResultCode.UNSUPPORTED_VERSION, out, 13);
    assertArrayEquals(hex("5450 01 89 0000000000000005 09"), Arrays.copyOf(out, n));
  }

  // ---------------------------------------------------------------- rejections

  @Test
  void decodeRequest_everyTruncation_rejectedAsTooShort() throws ProtocolException {
    for (QueryRequest q : List.of(v4Request(), v6Request())) {
      byte[] b = QueryCodec.encodeRequest(q, 0);
      for (int len = 0; len < b.length; len++) {
        assertEquals(Reason.TOO_SHORT, requestReason(b, len), "length " + len);
        assertEquals(len >= 12, thrown(b, len).headerRead(), "length " + len);
      }
      assertEquals(q, QueryCodec.decodeRequest(b, 0, b.length).query());
    }
  }

  private static ProtocolException thrown(byte[] b, int len) {
    return assertThrows(ProtocolException.class, () -> QueryCodec.decodeRequest(b, 0, len));
  }

  @Test
  void decodeReply_everyTruncation_rejectedWithReason() {
    for (String golden : List.of(FOUND_REPLY, AMBIGUOUS_REPLY, NOT_FOUND_REPLY)) {
      byte[] b = hex(golden);
      for (int len = 0; len < b.length; len++) {
        Reason expected = len < 18 ? Reason.TOO_SHORT : Reason.TRUNCATED_RECORD;
        assertEquals(expected, replyReason(b, len), golden + " cut to " + len);
      }
    }
  }

  @Test
  void decodeRequest_badFields_rejectedWithReason() {
    assertEquals(Reason.BAD_MAGIC, requestReason(patch(V4_REQUEST, 0, 0x55), 40));
    assertEquals(Reason.BAD_VERSION, requestReason(patch(V4_REQUEST, 2, 2), 40));
    assertEquals(Reason.BAD_OPCODE, requestReason(patch(V4_REQUEST, 3, 7), 40));
    assertEquals(Reason.BAD_OPCODE, requestReason(patch(V4_REQUEST, 3, 0x81), 40));
    assertEquals(Reason.BAD_FLAGS, requestReason(patch(V4_REQUEST, 12, 2), 40));
    assertEquals(Reason.BAD_PROTOCOL, requestReason(patch(V4_REQUEST, 13, 1), 40));
    assertEquals(Reason.BAD_FAMILY, requestReason(patch(V4_REQUEST, 14, 5), 40));
    assertEquals(Reason.BAD_RESERVED, requestReason(patch(V4_REQUEST, 15, 1), 40));
    byte[] padded = QueryCodec.encodeRequest(v4Request(), 100);
    padded[99] = 1;
    assertEquals(Reason.NONZERO_PADDING, requestReason(padded, 100));
    byte[] tooLong = QueryCodec.encodeRequest(v4Request(), 1472);
    assertEquals(Reason.TOO_LONG,
        requestReason(Arrays.copyOf(tooLong, 1473), 1473));
  }

  @Test
  void decodeRequest_v4MappedAddressInIpv6Query_rejectedAsBadAddress() {
    byte[] b = hex(V6_REQUEST);
    System.arraycopy(hex("00000000000000000000ffffc0000201"), 0, b, 32, 16);
    assertEquals(Reason.BAD_ADDRESS, requestReason(b, b.length));
  }

  @Test
  void decodeRequest_authFlag_skipsPaddingCheckAndReportsIt() throws ProtocolException {
    byte[] b = QueryCodec.encodeRequest(v4Request(), 60);
    b[12] = 1;
    b[59] = 0x5a;
    DecodedRequest d = QueryCodec.decodeRequest(b, 0, b.length);
    assertTrue(d.authenticated());
  }

  @Test
  void protocolException_headerReadable_isAnswerableWithMatchingCode() {
    ProtocolException v = thrown(patch(V4_REQUEST, 2, 2), 40);
    assertTrue(v.answerable());
    assertEquals(ResultCode.UNSUPPORTED_VERSION, v.resultCode());
    assertEquals(0x0123456789abcdefL, v.requestId());
    ProtocolException p = thrown(patch(V4_REQUEST, 13, 1), 40);
    assertTrue(p.answerable());
    assertEquals(ResultCode.MALFORMED, p.resultCode());
    assertFalse(thrown(patch(V4_REQUEST, 3, 0x81), 40).answerable());
    assertFalse(thrown(patch(V4_REQUEST, 0, 0), 40).answerable());
  }

  @Test
  void decodeReply_badFields_rejectedWithReason() {
    assertEquals(Reason.BAD_VERSION, replyReason(patch(FOUND_REPLY, 2, 0), 72));
    assertEquals(Reason.BAD_OPCODE, replyReason(patch(FOUND_REPLY, 3, 1), 72));
    assertEquals(Reason.BAD_RESULT_CODE, replyReason(patch(FOUND_REPLY, 12, 11), 72));
    assertEquals(Reason.BAD_EVIDENCE, replyReason(patch(FOUND_REPLY, 13, 5), 72));
    assertEquals(Reason.BAD_FLAGS, replyReason(patch(FOUND_REPLY, 14, 2), 72));
    assertEquals(Reason.BAD_RECORD_COUNT, replyReason(patch(FOUND_REPLY, 17, 0), 72));
    assertEquals(Reason.BAD_RECORD_COUNT, replyReason(patch(FOUND_REPLY, 12, 1), 72));
    assertEquals(Reason.BAD_FAMILY, replyReason(patch(FOUND_REPLY, 18, 6 + 1), 72));
    assertEquals(Reason.BAD_FLAGS, replyReason(patch(FOUND_REPLY, 19, 3), 72));
    assertEquals(Reason.BAD_RECORD, replyReason(patch(FOUND_REPLY, 26, 0x10), 72));
    assertEquals(Reason.BAD_RECORD, replyReason(patch(FOUND_REPLY, 18 + 30, 0x01), 72));
    assertEquals(Reason.BAD_RECORD, replyReason(patch(FOUND_REPLY, 18 + 30 + 15, 'x'), 72));
    assertEquals(Reason.BAD_RECORD, replyReason(patch(FOUND_REPLY, 18 + 14, 0x7f), 72));
    byte[] noMacFlag = patch(FOUND_REPLY, 19, 0);
    assertEquals(Reason.BAD_RECORD, replyReason(noMacFlag, 72));
    byte[] longer = Arrays.copyOf(hex(FOUND_REPLY), 73);
    assertEquals(Reason.TRAILING_BYTES, replyReason(longer, 73));
  }

  private static byte[] patch(String golden, int offset, int value) {
    byte[] b = hex(golden);
    b[offset] = (byte) value;
    return b;
  }

  @Test
  void decoders_randomBytes_throwOnlyProtocolException() {
    Random random = new Random(20240501L);
    byte[] templates0 = hex(FOUND_REPLY);
    byte[] templates1 = QueryCodec.encodeRequest(v6Request(), 200);
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] b;
      switch (i % 3) {
        case 0 -> {
          b = new byte[random.nextInt(1500)];
          random.nextBytes(b);
        }
        case 1 -> b = mutate(templates0, random);
        default -> b = mutate(templates1, random);
      }
      accepted += decodeAll(b);
    }
    assertTrue(accepted > 0, "some mutated datagrams still decode");
  }

  private static byte[] mutate(byte[] template, Random random) {
    byte[] b = Arrays.copyOf(template, random.nextInt(template.length + 4));
    for (int k = random.nextInt(4); k >= 0; k--) {
      if (b.length > 0) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
    }
    return b;
  }

  private static int decodeAll(byte[] b) {
    int ok = 0;
    try {
      QueryCodec.decodeRequest(b, 0, b.length);
      ok++;
    } catch (ProtocolException e) {
      assertTrue(e.reason() != null);
    }
    try {
      QueryCodec.decodeReply(b, 0, b.length);
      ok++;
    } catch (ProtocolException e) {
      assertTrue(e.reason() != null);
    }
    try {
      QueryCodec.decodeStatsReply(b, 0, b.length);
      ok++;
    } catch (ProtocolException e) {
      assertTrue(e.reason() != null);
    }
    return ok;
  }
}
