package org.trackpeer.daemon.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

final class QueryAuditTest {
  private static final InetSocketAddress CLIENT =
      new InetSocketAddress(Endpoint.parseAddress("203.0.113.10"), 40001);

  private final List<String> lines = new ArrayList<>();
  private long nowNanos = 5_000_000_000L;
  private final QueryAudit audit = new QueryAudit(lines::add, 3, () -> nowNanos);

  private static DecodedRequest request(int proto) {
    QueryRequest q = new QueryRequest(0xabcdefL, proto, Endpoint.parse("203.0.113.1:49200", true),
        Endpoint.parse("203.0.113.10:2323", true), 1_700_000_000L, 5, 0);
    return new DecodedRequest(Protocol.VERSION, Protocol.OP_QUERY, 0xabcdefL, 0, q, 512);
  }

  private static PeerRecord record(String mac) {
    return new PeerRecord(mac == null ? null : MacAddress.parse(mac),
        Endpoint.parseAddress("192.0.2.11"), 49200, Endpoint.parseAddress("203.0.113.10"), 2323,
        -1, "lan0", 1L, 2L);
  }

  @Test
  void answered_found_writesFixedFormatLine() {
    audit.answered(CLIENT, request(QueryRequest.TCP), new QueryReply(1, ResultCode.FOUND,
        Evidence.PORT_MATCH, 1, false, List.of(record("02:00:5e:00:01:01"))));
    assertEquals(List.of("Query from=203.0.113.10:40001 key=- id=abcdef proto=tcp"
        + " src=203.0.113.1:49200 dst=203.0.113.10:2323 time=1700000000 tolerance=5 page=0"
        + " result=found evidence=port_match count=1 macs=02:00:5e:00:01:01"), lines);
  }

  @Test
  void answered_authenticated_namesKeyId() {
    audit.answered(CLIENT, request(QueryRequest.TCP), new QueryReply(1, ResultCode.FOUND,
        Evidence.TRANSLATION, 1, false, List.of(record("02:00:5e:00:01:01"))), 42);
    assertEquals(List.of("Query from=203.0.113.10:40001 key=42 id=abcdef proto=tcp"
        + " src=203.0.113.1:49200 dst=203.0.113.10:2323 time=1700000000 tolerance=5 page=0"
        + " result=found evidence=translation count=1 macs=02:00:5e:00:01:01"), lines);
  }

  @Test
  void answeredAndStats_largestKeyId_printedUnsigned() {
    audit.answered(CLIENT, request(QueryRequest.UDP), QueryReply.of(1, ResultCode.NOT_FOUND),
        4_294_967_295L);
    audit.stats(CLIENT, request(QueryRequest.TCP), 0);
    assertEquals(List.of("Query from=203.0.113.10:40001 key=4294967295 id=abcdef proto=udp"
        + " src=203.0.113.1:49200 dst=203.0.113.10:2323 time=1700000000 tolerance=5 page=0"
        + " result=not_found evidence=none count=0 macs=-",
        "Stats from=203.0.113.10:40001 key=0 id=abcdef result=found"), lines);
  }

  @Test
  void answered_ambiguous_listsEveryMacOnce() {
    audit.answered(CLIENT, request(QueryRequest.UDP), new QueryReply(1, ResultCode.AMBIGUOUS,
        Evidence.PORT_MATCH, 3, false, List.of(record("02:00:5e:00:01:01"),
            record("02:00:5e:00:01:02"), record("02:00:5e:00:01:01"))));
    String l = lines.get(0);
    assertTrue(l.contains(" proto=udp "), l);
    assertTrue(l.endsWith(" result=ambiguous evidence=port_match count=3"
        + " macs=02:00:5e:00:01:01,02:00:5e:00:01:02"), l);
  }

  @Test
  void answered_notFound_hasDashForMacs() {
    audit.answered(CLIENT, request(QueryRequest.TCP), QueryReply.of(1, ResultCode.NOT_FOUND));
    assertTrue(lines.get(0).endsWith(" result=not_found evidence=none count=0 macs=-"),
        lines.get(0));
  }

  @Test
  void answered_manyMacs_capsTheListWithCount() {
    List<PeerRecord> records = new ArrayList<>();
    for (int i = 0; i < QueryAudit.MACS_PER_LINE_MAX + 4; i++) {
      records.add(record(String.format("02:00:5e:00:02:%02x", i)));
    }
    records.add(record(null));
    audit.answered(CLIENT, request(QueryRequest.TCP), new QueryReply(1, ResultCode.FOUND,
        Evidence.PORT_MATCH, records.size(), false, records));
    assertTrue(lines.get(0).endsWith(",02:00:5e:00:02:0f,+5"), lines.get(0));
  }

  @Test
  void refused_query_recordsQuestionAndRefusal() {
    audit.refused(new InetSocketAddress(Endpoint.parseAddress("2001:db8::5"), 7),
        request(QueryRequest.TCP));
    String l = lines.get(0);
    assertTrue(l.startsWith("Query from=[2001:db8:0:0:0:0:0:5]:7 key=- id=abcdef proto=tcp"), l);
    assertTrue(l.endsWith(" result=refused macs=-"), l);
  }

  @Test
  void malformed_request_recordsReason() {
    ProtocolException e = null;
    try {
      QueryCodec.decodeRequest(new byte[3], 0, 3);
    } catch (ProtocolException x) {
      e = x;
    }
    audit.malformed(CLIENT, e);
    assertTrue(lines.get(0).startsWith("Query from=203.0.113.10:40001 key=- result=malformed"
        + " reason="), lines.get(0));
  }

  @Test
  void emit_flood_limitsAndSummarisesOncePerInterval() {
    for (int i = 0; i < 10; i++) {
      audit.answered(CLIENT, request(QueryRequest.TCP), QueryReply.of(1, ResultCode.NOT_FOUND));
    }
    assertEquals(3, lines.size());
    audit.tick();
    assertEquals(3, lines.size(), "interval not over yet");
    nowNanos += 1_000_000_000L;
    audit.tick();
    assertEquals(4, lines.size());
    assertEquals("Audit_suppressed count=7 limit=3/s", lines.get(3));
    audit.tick();
    assertEquals(4, lines.size(), "summary written once");
    assertEquals(3, audit.written());
    assertEquals(7, audit.suppressed());
  }

  @Test
  void emit_afterBusyInterval_writesSummaryBeforeNextLine() {
    for (int i = 0; i < 5; i++) {
      audit.refused(CLIENT, request(QueryRequest.TCP));
    }
    nowNanos += 1_500_000_000L;
    audit.refused(CLIENT, request(QueryRequest.TCP));
    assertEquals(5, lines.size());
    assertEquals("Audit_suppressed count=2 limit=3/s", lines.get(3));
    assertTrue(lines.get(4).startsWith("Query "), lines.get(4));
  }

  @Test
  void emit_quietInterval_writesNoSummary() {
    audit.refused(CLIENT, request(QueryRequest.TCP));
    nowNanos += 2_000_000_000L;
    audit.tick();
    assertEquals(1, lines.size());
  }
}
