package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/** Several agents behind one client configuration. */
final class TrackpeerClientsTest {
  private static final QueryRequest REQUEST = new QueryRequest(0, QueryRequest.TCP,
      Endpoint.parse("192.0.2.77:40000", true), Endpoint.parse("198.51.100.7:443", true),
      1_700_000_000L, 0, 0);

  private static PeerRecord record(String mac) {
    return new PeerRecord(MacAddress.parse(mac), Endpoint.parseAddress("192.0.2.11"), 40000,
        Endpoint.parseAddress("198.51.100.7"), 443, -1, "lan0", 1, 2);
  }

  private static FakeAgent found(String mac) throws Exception {
    return new FakeAgent(FakeAgent.replying(id -> new QueryReply(id, ResultCode.FOUND,
        Evidence.PORT_MATCH, 1, false, List.of(record(mac)))));
  }

  private static FakeAgent notFound() throws Exception {
    return new FakeAgent(FakeAgent.replying(id -> QueryReply.of(id, ResultCode.NOT_FOUND)));
  }

  private static TrackpeerClients two(FakeAgent a, FakeAgent b) {
    return TrackpeerClients.parse(List.of(
        "# two routers", "agent 203.0.113.0/24 = " + a.address(),
        "agent 198.51.100.0/25 = " + b.address() + "  # second site"), "test.conf");
  }

  @Test
  void agentsFor_knownAndUnknownSources_longestMatchOrEveryAgent() {
    TrackpeerClients c = TrackpeerClients.parse(List.of(
        "agent 203.0.113.0/24 = 203.0.113.1", "agent 203.0.113.128/25 = 203.0.113.129:7710",
        "agent 2001:db8::/32 = [2001:db8::1]:7709"), "t");
    assertEquals(List.of(new InetSocketAddress("203.0.113.129", 7710)),
        c.agentsFor(Endpoint.parseAddress("203.0.113.200")));
    assertEquals(List.of(new InetSocketAddress("203.0.113.1", 7709)),
        c.agentsFor(Endpoint.parseAddress("203.0.113.5")));
    assertEquals(List.of(new InetSocketAddress("2001:db8::1", 7709)),
        c.agentsFor(Endpoint.parseAddress("2001:db8:5::1")));
    assertEquals(3, c.agentsFor(Endpoint.parseAddress("192.0.2.1")).size());
  }

  @Test
  void parse_badLine_namesFileAndLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrackpeerClients.parse(List.of("", "agent 203.0.113.0/33 = 203.0.113.1"), "c"));
    assertTrue(e.getMessage().startsWith("c:2: bad prefix"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TrackpeerClients.parse(List.of("server 203.0.113.1"), "c"));
    assertTrue(e.getMessage().startsWith("c:1: expected"), e.getMessage());
  }

  @Test
  void query_unknownSourceOneAgentFinds_foundWins() throws Exception {
    try (FakeAgent a = notFound(); FakeAgent b = found("02:00:5e:00:01:02")) {
      TrackpeerClients.Answer ans = two(a, b).query(REQUEST, Duration.ofMillis(2000), 0);
      assertEquals(ResultCode.FOUND, ans.reply().result());
      assertEquals("02:00:5e:00:01:02", ans.reply().records().get(0).mac().toString());
      assertEquals(List.of(new InetSocketAddress("127.0.0.1", b.port())), ans.agents());
      assertEquals(1, a.requests().size());
      assertEquals(1, b.requests().size());
    }
  }

  @Test
  void query_unknownSourceBothFind_isAmbiguousWithBothRecords() throws Exception {
    try (FakeAgent a = found("02:00:5e:00:01:01"); FakeAgent b = found("02:00:5e:00:01:02")) {
      TrackpeerClients.Answer ans = two(a, b).query(REQUEST, Duration.ofMillis(2000), 0);
      assertEquals(ResultCode.AMBIGUOUS, ans.reply().result());
      assertEquals(2, ans.reply().records().size());
      assertEquals(2, ans.reply().totalMatches());
    }
  }

  @Test
  void query_knownSource_asksOnlyItsAgent() throws Exception {
    try (FakeAgent a = found("02:00:5e:00:01:01"); FakeAgent b = found("02:00:5e:00:01:02")) {
      QueryRequest fromSiteB = new QueryRequest(0, QueryRequest.TCP,
          Endpoint.parse("198.51.100.9:40000", true), Endpoint.parse("192.0.2.7:443", true),
          1_700_000_000L, 0, 0);
      TrackpeerClients.Answer ans = two(a, b).query(fromSiteB, Duration.ofMillis(2000), 0);
      assertEquals(ResultCode.FOUND, ans.reply().result());
      assertEquals(0, a.requests().size());
      assertEquals(1, b.requests().size());
    }
  }

  @Test
  void cli_configWithTwoAgents_printsTheFindingAgentsMac() throws Exception {
    Path conf = Files.createTempFile("trackpeer", ".conf");
    try (FakeAgent a = found("02:00:5e:00:01:01"); FakeAgent b = notFound()) {
      Files.writeString(conf, "agent 203.0.113.0/24 = " + a.address() + "\n"
          + "agent 198.51.100.0/24 = " + b.address() + "\n");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      picocli.CommandLine cl = Trackpeer.commandLine(new Trackpeer(
          Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC)));
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      int exit = cl.execute("--config", conf.toString(), "-s", "192.0.2.77:40000", "-dst",
          "198.51.100.7:443", "--timeout", "2000");
      assertEquals(0, exit, out + " " + err);
      assertEquals("02:00:5e:00:01:01", out.toString().lines().findFirst().orElse(""));
    } finally {
      Files.deleteIfExists(conf);
    }
  }
}
