package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

final class DecisionTest {
  private static final MacAllowList LIST =
      MacAllowList.parse(List.of("02:00:5e:00:01:01"), "test");

  private static PeerRecord record(String mac) {
    return new PeerRecord(mac == null ? null : MacAddress.parse(mac),
        Endpoint.parseAddress("192.0.2.11"), 49200, Endpoint.parseAddress("203.0.113.10"), 23,
        -1, "lan0", 1L, 2L);
  }

  private static QueryReply reply(ResultCode code, PeerRecord... records) {
    return new QueryReply(1, code, records.length == 0 ? Evidence.NONE : Evidence.PORT_MATCH,
        records.length, false, List.of(records));
  }

  @Test
  void decide_foundAndListed_allowsWithExitZero() {
    Decision d = TrackpeerClient.decide(reply(ResultCode.FOUND, record("02:00:5e:00:01:01")),
        LIST);
    assertTrue(d.allowed());
    assertEquals(0, d.exitStatus());
    assertEquals("found 02:00:5e:00:01:01, listed", d.reason());
  }

  @Test
  void decide_foundNotListed_deniesWithThirty() {
    Decision d = TrackpeerClient.decide(reply(ResultCode.FOUND, record("02:00:5e:00:01:02")),
        LIST);
    assertFalse(d.allowed());
    assertEquals(Decision.Outcome.NOT_LISTED, d.outcome());
    assertEquals(30, d.exitStatus());
    assertEquals("found 02:00:5e:00:01:02, not listed", d.reason());
  }

  @Test
  void decide_foundWithoutMac_denies() {
    Decision d = TrackpeerClient.decide(reply(ResultCode.FOUND, record(null)), LIST);
    assertFalse(d.allowed());
    assertEquals(30, d.exitStatus());
  }

  @Test
  void decide_ambiguousEvenWithListedMac_deniesWithTwelve() {
    Decision d = TrackpeerClient.decide(reply(ResultCode.AMBIGUOUS,
        record("02:00:5e:00:01:01"), record("02:00:5e:00:01:02")), LIST);
    assertFalse(d.allowed());
    assertEquals(12, d.exitStatus());
    assertEquals(2, d.macs().size());
    assertEquals("ambiguous 02:00:5e:00:01:01 02:00:5e:00:01:02", d.reason());
  }

  @Test
  void decide_everyOtherResultCode_deniesWithItsOwnStatus() {
    Set<Integer> statuses = new HashSet<>();
    for (ResultCode code : ResultCode.values()) {
      if (code == ResultCode.FOUND) {
        continue;
      }
      Decision d = TrackpeerClient.decide(reply(code), LIST);
      assertFalse(d.allowed(), code.label());
      assertEquals(10 + code.wire(), d.exitStatus(), code.label());
      assertEquals(code, d.result());
      assertTrue(statuses.add(d.exitStatus()), "status reused: " + d.exitStatus());
    }
    assertFalse(statuses.contains(ClientExit.NOT_LISTED));
    assertFalse(statuses.contains(ClientExit.NO_ANSWER));
  }

  @Test
  void check_agentSilent_deniesWithNoAnswer() throws Exception {
    // A bound socket that never answers.
    try (java.net.DatagramSocket silent = new java.net.DatagramSocket(0,
        java.net.InetAddress.getLoopbackAddress())) {
      TrackpeerClient c = new TrackpeerClient(
          new InetSocketAddress(silent.getLocalAddress(), silent.getLocalPort()),
          Duration.ofMillis(50), 0);
      QueryRequest q = new QueryRequest(0, QueryRequest.TCP, Endpoint.parse("203.0.113.1:1", true),
          Endpoint.parse("203.0.113.10:23", true), 1_700_000_000L, 0, 0);
      Decision d = c.check(q, LIST);
      assertFalse(d.allowed());
      assertEquals(Decision.Outcome.NO_ANSWER, d.outcome());
      assertEquals(2, d.exitStatus());
    }
  }

  @Test
  void check_foundByAgent_allowsListedMac() throws Exception {
    try (FakeAgent agent = new FakeAgent(FakeAgent.replying(id -> new QueryReply(id,
        ResultCode.FOUND, Evidence.PORT_MATCH, 1, false, List.of(record("02:00:5e:00:01:01")))))) {
      TrackpeerClient c = new TrackpeerClient(
          new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), agent.port()),
          Duration.ofSeconds(2), 0);
      QueryRequest q = new QueryRequest(0, QueryRequest.TCP, Endpoint.parse("203.0.113.1:1", true),
          Endpoint.parse("203.0.113.10:23", true), 1_700_000_000L, 0, 0);
      assertTrue(c.check(q, LIST).allowed());
    }
  }
}
