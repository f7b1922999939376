package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

final class TrackpeerTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_100L), ZoneOffset.UTC);

  static final PeerRecord PC1 = record("02:00:5e:10:00:01", "192.0.2.11", 49200, -1,
      "veth0");
  private static final PeerRecord PC2 = record("02:00:5e:10:00:02", "192.0.2.12", 49201, 10,
      "eth1.10");

  private record Run(int exit, String out, String err) {}

  private static PeerRecord record(String mac, String inside, int port, int vlan, String ifName) {
    return new PeerRecord(MacAddress.parse(mac), Endpoint.parseAddress(inside), port,
        Endpoint.parseAddress("198.51.100.7"), 443, vlan, ifName,
        1_700_000_000_123_456_789L, 1_700_000_000_987_654_321L);
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Trackpeer.commandLine(new Trackpeer(CLOCK));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static String[] query(FakeAgent agent, String... extra) {
    List<String> args = new ArrayList<>(List.of(
        "-s", "203.0.113.5:40000", "-dst", "198.51.100.7:443", "-time", "1700000000",
        "-a", agent.address()));
    args.addAll(Arrays.asList(extra));
    return args.toArray(new String[0]);
  }

  private static FakeAgent found() throws Exception {
    return new FakeAgent(FakeAgent.replying(id -> new QueryReply(id, ResultCode.FOUND,
        Evidence.PORT_MATCH, 1, false, List.of(PC1))));
  }

  // ---------------------------------------------------------------- option parsing

  @Test
  void execute_2005Spelling_sendsQueryToSourceAddressAndPrintsMac() throws Exception {
    try (FakeAgent agent = found()) {
      Run r = run("-s", "127.0.0.1:40000", "-dst", "127.0.0.2:443", "-time", "1700000000",
          "--port", Integer.toString(agent.port()));
      assertEquals(0, r.exit(), r.err());
      assertEquals("02:00:5e:10:00:01\n", r.out());
      DecodedRequest d = agent.requests().get(0);
      QueryRequest q = d.query();
      assertEquals(Endpoint.parse("127.0.0.1:40000", true), q.source());
      assertEquals(Endpoint.parse("127.0.0.2:443", true), q.destination());
      assertEquals(1_700_000_000L, q.timeSeconds());
      assertEquals(QueryRequest.TCP, q.protocol());
      assertEquals(0, q.toleranceSeconds());
      assertEquals(0, q.page());
      assertEquals(TrackpeerClient.QUERY_PAD_BYTES, d.datagramBytes());
    }
  }

  @Test
  void execute_longOptions_sameQueryAsShortOnes() throws Exception {
    try (FakeAgent agent = found()) {
      Run r = run("--source", "203.0.113.5:40000", "--destination", "198.51.100.7:443",
          "--time", "1700000000", "--protocol", "udp", "--tolerance", "30",
          "--agent", agent.address());
      assertEquals(0, r.exit(), r.err());
      QueryRequest q = agent.requests().get(0).query();
      assertEquals(QueryRequest.UDP, q.protocol());
      assertEquals(30, q.toleranceSeconds());
      assertEquals(Endpoint.parse("203.0.113.5:40000", true), q.source());
      assertEquals(1_700_000_000L, q.timeSeconds());
    }
  }

  @Test
  void execute_udpFlagAndNoTime_asksUdpAtClockTime() throws Exception {
    try (FakeAgent agent = found()) {
      Run r = run("-s", "203.0.113.5:40000", "--dst", "198.51.100.7:53", "-udp",
          "-a", agent.address());
      assertEquals(0, r.exit(), r.err());
      QueryRequest q = agent.requests().get(0).query();
      assertEquals(QueryRequest.UDP, q.protocol());
      assertEquals(1_700_000_100L, q.timeSeconds());
    }
  }

  @Test
  void execute_wildcardTime_padsToLargestDatagram() throws Exception {
    try (FakeAgent agent = found()) {
      Run r = run("-s", "203.0.113.5:40000", "-dst", "198.51.100.7:443", "-time", "0",
          "-a", agent.address());
      assertEquals(0, r.exit(), r.err());
      DecodedRequest d = agent.requests().get(0);
      assertTrue(d.query().isWildcard());
      assertEquals(Protocol.MAX_DATAGRAM_BYTES, d.datagramBytes());
    }
  }

  @Test
  void execute_help_printsUsageAndExitStatusesAndReturnsZero() {
    Run r = run("-h");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("Usage: trackpeer -s ADDR:PORT -dst ADDR:PORT"), r.out());
    assertTrue(r.out().contains("-time, --time=SECONDS"), r.out());
    assertTrue(r.out().contains("  64   usage error"), r.out());
    assertTrue(r.out().contains("  19   unsupported_version"), r.out());
  }

  @Test
  void execute_badSource_returnsUsageWithOneLine() {
    Run r = run("-s", "203.0.113.5", "-dst", "198.51.100.7:443");
    assertEquals(ClientExit.USAGE, r.exit());
    assertEquals("trackpeer: invalid value for option '--source': '203.0.113.5' is not "
        + "ADDR:PORT; expected A.B.C.D:PORT or [IPV6]:PORT\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void execute_badValues_returnUsageNamingOptionValueAndRange() {
    String[] base = {"-s", "203.0.113.5:40000", "-dst", "198.51.100.7:443"};
    assertUsage("trackpeer: invalid value for option '--time': '-5' is not a time; expected "
        + "seconds since the Epoch (UTC), or 0 for all sessions\n", base, "-time=-5");
    assertUsage("trackpeer: invalid value for option '--protocol': 'sctp' is not a protocol; "
        + "expected tcp or udp\n", base, "-p", "sctp");
    assertUsage("trackpeer: invalid value for option '--tolerance': '70000' is not a number "
        + "of seconds; expected 0-65535\n", base, "--tolerance", "70000");
    assertUsage("trackpeer: invalid value for option '--timeout': '0' is not a number of "
        + "milliseconds; expected 1-60000\n", base, "--timeout", "0");
    assertUsage("trackpeer: invalid value for option '--retries': 'x' is not a retry count; "
        + "expected 0-10\n", base, "--retries", "x");
    assertUsage("trackpeer: invalid value for option '--port': '0' is not a port; "
        + "expected 1-65535\n", base, "--port", "0");
    assertUsage("trackpeer: invalid value for option -a/--agent: '127.0.0.1:99999'; the port "
        + "must be 1-65535\n", base, "-a", "127.0.0.1:99999");
  }

  @Test
  void execute_inconsistentOptions_returnUsage() {
    assertUsage("trackpeer: missing option -dst/--destination ADDR:PORT (the flow's "
        + "destination)\n", new String[] {"-s", "203.0.113.5:40000"});
    assertUsage("trackpeer: missing option -s/--source ADDR:PORT (the flow's source as the "
        + "server saw it)\n", new String[] {"-dst", "198.51.100.7:443"});
    assertUsage("trackpeer: -s 203.0.113.5:40000 and -dst [2001:db8::7]:443 differ in address "
        + "family; both must be IPv4 or both IPv6\n",
        new String[] {"-s", "203.0.113.5:40000", "-dst", "[2001:db8::7]:443"});
    assertUsage("trackpeer: -udp conflicts with -p tcp; give one of them\n",
        new String[] {"-s", "203.0.113.5:40000", "-dst", "198.51.100.7:443", "-udp", "-p",
            "tcp"});
    assertUsage("trackpeer: unknown option: '-x'\n", new String[] {"-x"});
    assertUsage("trackpeer: missing option -a/--agent HOST[:PORT] (--stats needs the agent to "
        + "ask)\n", new String[] {"--stats"});
  }

  private static void assertUsage(String expectedErr, String[] base, String... extra) {
    List<String> args = new ArrayList<>(Arrays.asList(base));
    args.addAll(Arrays.asList(extra));
    Run r = run(args.toArray(new String[0]));
    assertEquals(ClientExit.USAGE, r.exit(), r.err());
    assertEquals(expectedErr, r.err());
  }

  // ---------------------------------------------------------------- output

  @Test
  void execute_found_printsMacThenResultOnStderr() throws Exception {
    try (FakeAgent agent = found()) {
      Run r = run(query(agent));
      assertEquals(0, r.exit());
      assertEquals("02:00:5e:10:00:01\n", r.out());
      assertEquals("trackpeer: found (evidence port_match, 1 session)\n", r.err());
    }
  }

  @Test
  void execute_verbose_addsDetailLine() throws Exception {
    try (FakeAgent agent = found()) {
      Run r = run(query(agent, "-v"));
      assertEquals(0, r.exit());
      assertEquals("02:00:5e:10:00:01\n"
          + "result=found evidence=port_match mac=02:00:5e:10:00:01 inside=192.0.2.11:49200 "
          + "destination=198.51.100.7:443 vlan=- interface=veth0 "
          + "first_seen=2023-11-14T22:13:20.123456789Z "
          + "last_seen=2023-11-14T22:13:20.987654321Z\n", r.out());
    }
  }

  @Test
  void execute_json_printsOneObjectWithEveryField() throws Exception {
    try (FakeAgent agent = new FakeAgent(FakeAgent.replying(id -> new QueryReply(id,
        ResultCode.AMBIGUOUS, Evidence.FIVE_TUPLE, 2, false, List.of(PC1, PC2))))) {
      Run r = run(query(agent, "--json"));
      assertEquals(12, r.exit());
      long id = agent.requests().get(0).requestId();
      assertEquals("{\"result\":\"ambiguous\",\"code\":2,\"exit\":12,"
          + "\"evidence\":\"five_tuple\",\"request_id\":\"" + String.format("%016x", id) + "\","
          + "\"agent\":\"" + agent.address() + "\",\"protocol\":\"tcp\","
          + "\"source\":\"203.0.113.5:40000\",\"destination\":\"198.51.100.7:443\","
          + "\"time\":1700000000,\"total_matches\":2,\"more\":false,"
          + "\"macs\":[\"02:00:5e:10:00:01\",\"02:00:5e:10:00:02\"],\"records\":["
          + "{\"mac\":\"02:00:5e:10:00:01\",\"inside_address\":\"192.0.2.11\","
          + "\"inside_port\":49200,\"destination_address\":\"198.51.100.7\","
          + "\"destination_port\":443,\"vlan\":null,\"interface\":\"veth0\","
          + "\"first_seen\":\"2023-11-14T22:13:20.123456789Z\","
          + "\"last_seen\":\"2023-11-14T22:13:20.987654321Z\","
          + "\"first_seen_ns\":1700000000123456789,\"last_seen_ns\":1700000000987654321},"
          + "{\"mac\":\"02:00:5e:10:00:02\",\"inside_address\":\"192.0.2.12\","
          + "\"inside_port\":49201,\"destination_address\":\"198.51.100.7\","
          + "\"destination_port\":443,\"vlan\":10,\"interface\":\"eth1.10\","
          + "\"first_seen\":\"2023-11-14T22:13:20.123456789Z\","
          + "\"last_seen\":\"2023-11-14T22:13:20.987654321Z\","
          + "\"first_seen_ns\":1700000000123456789,\"last_seen_ns\":1700000000987654321}]}\n",
          r.out());
      assertEquals("", r.err());
    }
  }

  @Test
  void execute_ambiguous_printsAllMacsOnFirstLineAndExits12() throws Exception {
    try (FakeAgent agent = new FakeAgent(FakeAgent.replying(id -> new QueryReply(id,
        ResultCode.AMBIGUOUS, Evidence.PORT_MATCH, 2, false, List.of(PC1, PC2))))) {
      Run r = run(query(agent));
      assertEquals(12, r.exit());
      assertEquals("02:00:5e:10:00:01 02:00:5e:10:00:02\n", r.out());
      assertEquals("trackpeer: ambiguous (evidence port_match, 2 sessions)\n", r.err());
    }
  }

  @Test
  void execute_everyNonFoundResult_exitsTenPlusCode() throws Exception {
    for (ResultCode code : ResultCode.values()) {
      if (code == ResultCode.FOUND || code == ResultCode.AMBIGUOUS) {
        continue;
      }
      try (FakeAgent agent = new FakeAgent(FakeAgent.replying(id -> QueryReply.of(id, code)))) {
        Run r = run(query(agent, "-v"));
        assertEquals(10 + code.wire(), r.exit(), code.label());
        assertEquals("\nresult=" + code.label() + " evidence=none\n", r.out());
        assertEquals("trackpeer: " + code.label() + "\n", r.err());
      }
    }
  }

  // ---------------------------------------------------------------- exchange

  @Test
  void execute_replyWithWrongId_ignoredUntilNoAnswer() throws Exception {
    try (FakeAgent agent = new FakeAgent(FakeAgent.replying(id -> QueryReply.of(id + 1,
        ResultCode.NOT_FOUND)))) {
      Run r = run(query(agent, "--timeout", "150", "--retries", "1"));
      assertEquals(ClientExit.NO_ANSWER, r.exit());
      assertEquals("", r.out());
      assertEquals("trackpeer: no answer from " + agent.address() + " within 150 ms (2 tries); "
          + "ignored 2 datagram(s) with another sender or request id\n", r.err());
      List<DecodedRequest> sent = agent.requests();
      assertEquals(2, sent.size());
      assertEquals(sent.get(0).requestId(), sent.get(1).requestId());
    }
  }

  @Test
  void execute_rightIdFromForeignPort_ignored() throws Exception {
    try (FakeAgent agent = new FakeAgent((request, n) -> List.of(new FakeAgent.Answer(
        FakeAgent.encode(QueryReply.of(request.requestId(), ResultCode.NOT_FOUND)), true)))) {
      Run r = run(query(agent, "--timeout", "150", "--retries", "0", "--json"));
      assertEquals(ClientExit.NO_ANSWER, r.exit());
      assertTrue(r.out().startsWith("{\"result\":\"no_answer\",\"exit\":2,"), r.out());
    }
  }

  @Test
  void execute_firstRequestLost_retryWithSameIdAnswered() throws Exception {
    try (FakeAgent agent = new FakeAgent((request, n) -> n == 0 ? List.of()
        : List.of(new FakeAgent.Answer(FakeAgent.encode(new QueryReply(request.requestId(),
            ResultCode.FOUND, Evidence.TRANSLATION, 1, false, List.of(PC1))), false)))) {
      Run r = run(query(agent, "--timeout", "200"));
      assertEquals(0, r.exit(), r.err());
      assertEquals("02:00:5e:10:00:01\n", r.out());
      List<DecodedRequest> sent = agent.requests();
      assertEquals(2, sent.size());
      assertEquals(sent.get(0).requestId(), sent.get(1).requestId());
    }
  }

  @Test
  void execute_undecodableReplyWithRightId_exitsBadReply() throws Exception {
    try (FakeAgent agent = new FakeAgent((request, n) -> {
      byte[] b = FakeAgent.encode(new QueryReply(request.requestId(), ResultCode.FOUND,
          Evidence.PORT_MATCH, 1, false, List.of(PC1)));
      return List.of(new FakeAgent.Answer(Arrays.copyOf(b, b.length - 1), false));
    })) {
      Run r = run(query(agent));
      assertEquals(ClientExit.BAD_REPLY, r.exit());
      assertEquals("trackpeer: bad reply from " + agent.address()
          + ": truncated_record (record at offset 18)\n", r.err());
    }
  }

  @Test
  void execute_stats_printsAgentText() throws Exception {
    try (FakeAgent agent = new FakeAgent((request, n) -> {
      byte[] out = new byte[request.datagramBytes()];
      int len = QueryCodec.encodeStatsReply(request.requestId(), "frames 12\nqueries 3\n", out,
          out.length);
      return List.of(new FakeAgent.Answer(Arrays.copyOf(out, len), false));
    })) {
      Run r = run("--stats", "-a", agent.address());
      assertEquals(0, r.exit(), r.err());
      assertEquals("frames 12\nqueries 3\n", r.out());
      assertTrue(agent.requests().get(0).isStats());
    }
  }
}
