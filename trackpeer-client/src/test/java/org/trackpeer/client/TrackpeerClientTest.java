package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

final class TrackpeerClientTest {
  private static final QueryRequest WILDCARD = new QueryRequest(0, QueryRequest.TCP,
      Endpoint.parse("203.0.113.5:40000", true), Endpoint.parse("198.51.100.7:443", true), 0, 0,
      0);

  private static PeerRecord session(int i) {
    return new PeerRecord(MacAddress.of(0x02005e100000L + i % 3),
        Endpoint.parseAddress("192.0.2." + (1 + i % 200)), 30000 + i,
        Endpoint.parseAddress("198.51.100.7"), 443, -1, "eth0", i, i + 1);
  }

  /** An agent holding {@code total} sessions, paging them as the real one does. */
  private static FakeAgent pagingAgent(int total) throws Exception {
    List<PeerRecord> all = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      all.add(session(i));
    }
    return new FakeAgent((request, n) -> {
      int perPage = QueryCodec.recordsThatFit(request.datagramBytes(), 4);
      int from = Math.min(all.size(), request.query().page() * perPage);
      int to = Math.min(all.size(), from + perPage);
      QueryReply reply = new QueryReply(request.requestId(), ResultCode.AMBIGUOUS,
          Evidence.PORT_MATCH, total, to < all.size(), all.subList(from, to));
      return List.of(new FakeAgent.Answer(FakeAgent.encode(reply), false));
    });
  }

  private static TrackpeerClient client(FakeAgent agent, int timeoutMillis, int retries) {
    return new TrackpeerClient(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), agent.port()),
        Duration.ofMillis(timeoutMillis), retries);
  }

  @Test
  void query_wildcardOverSeveralPages_mergesAllRecords() throws Exception {
    try (FakeAgent agent = pagingAgent(60)) {
      QueryReply reply = client(agent, 2000, 0).query(WILDCARD);
      assertEquals(60, reply.records().size());
      assertEquals(60, reply.totalMatches());
      assertFalse(reply.more());
      assertEquals(ResultCode.AMBIGUOUS, reply.result());
      for (int i = 0; i < 60; i++) {
        assertEquals(session(i), reply.records().get(i), "record " + i);
      }
      List<DecodedRequest> sent = agent.requests();
      assertEquals(3, sent.size());
      assertEquals(2, sent.get(2).query().page());
      assertTrue(sent.get(0).requestId() != sent.get(1).requestId());
      assertEquals(sent.get(0).requestId(), reply.requestId());
    }
  }

  @Test
  void query_morePagesThanBound_stopsAndKeepsMoreFlag() throws Exception {
    int perPage = QueryCodec.recordsThatFit(TrackpeerClient.QUERY_PAD_BYTES, 4);
    int total = perPage * (TrackpeerClient.PAGES_MAX + 2);
    QueryRequest timed = new QueryRequest(0, QueryRequest.TCP, WILDCARD.source(),
        WILDCARD.destination(), 1_700_000_000L, 0, 0);
    try (FakeAgent agent = pagingAgent(total)) {
      QueryReply reply = client(agent, 2000, 0).query(timed);
      assertEquals(perPage * TrackpeerClient.PAGES_MAX, reply.records().size());
      assertTrue(reply.more());
      assertEquals(total, reply.totalMatches());
      assertEquals(TrackpeerClient.PAGES_MAX, agent.requests().size());
    }
  }

  @Test
  void query_wrongVersionReply_throwsBadReplyWithReason() throws Exception {
    try (FakeAgent agent = new FakeAgent((request, n) -> {
      byte[] b = FakeAgent.encode(QueryReply.of(request.requestId(), ResultCode.NOT_FOUND));
      b[2] = 2;
      return List.of(new FakeAgent.Answer(b, false));
    })) {
      BadReplyException e = assertThrows(BadReplyException.class,
          () -> client(agent, 2000, 0).query(WILDCARD));
      assertEquals(ProtocolException.Reason.BAD_VERSION, e.reason());
    }
  }

  @Test
  void query_silentAgent_throwsNoAnswerAfterEveryTry() throws Exception {
    try (FakeAgent agent = new FakeAgent((request, n) -> List.of())) {
      NoAnswerException e = assertThrows(NoAnswerException.class,
          () -> client(agent, 100, 2).query(WILDCARD));
      assertEquals("no answer from " + agent.address() + " within 100 ms (3 tries)",
          e.getMessage());
      assertEquals(3, agent.requests().size());
    }
  }

  @Test
  void constructor_badArguments_rejected() {
    InetSocketAddress a = new InetSocketAddress(InetAddress.getLoopbackAddress(), 7709);
    assertThrows(IllegalArgumentException.class,
        () -> new TrackpeerClient(a, Duration.ZERO, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new TrackpeerClient(a, Duration.ofSeconds(1), 11));
    assertThrows(IllegalArgumentException.class, () -> new TrackpeerClient(
        InetSocketAddress.createUnresolved("agent.invalid", 7709), Duration.ofSeconds(1), 1));
  }

  @Test
  void forResult_everyCode_isTenPlusWireExceptFound() {
    assertEquals(0, ClientExit.forResult(ResultCode.FOUND));
    for (ResultCode c : ResultCode.values()) {
      if (c != ResultCode.FOUND) {
        assertEquals(10 + c.wire(), ClientExit.forResult(c), c.label());
      }
    }
    assertEquals(20, ClientExit.forResult(ResultCode.RATE_LIMITED));
  }
}
