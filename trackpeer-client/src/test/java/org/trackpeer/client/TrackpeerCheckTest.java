package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

final class TrackpeerCheckTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_100L), ZoneOffset.UTC);

  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Trackpeer.commandLine(new Trackpeer(CLOCK, env));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  private Path list(String... lines) throws Exception {
    Path f = dir.resolve("allow.list");
    Files.write(f, List.of(lines));
    return f;
  }

  private static FakeAgent agent(ResultCode code, String... macs) throws Exception {
    return new FakeAgent(FakeAgent.replying(id -> {
      List<PeerRecord> records = new ArrayList<>();
      for (String m : macs) {
        records.add(new PeerRecord(MacAddress.parse(m), Endpoint.parseAddress("192.0.2.11"),
            49200, Endpoint.parseAddress("203.0.113.10"), 2323, -1, "lan0", 1L, 2L));
      }
      return new QueryReply(id, code, Evidence.PORT_MATCH, records.size(), false, records);
    }));
  }

  private static String[] args(FakeAgent agent, Path list, String... extra) {
    List<String> a = new ArrayList<>(List.of("--check", "--allow-list", list.toString(),
        "-a", agent.address(), "--timeout", "2000", "--retries", "0"));
    a.addAll(Arrays.asList(extra));
    return a.toArray(new String[0]);
  }

  private static final Map<String, String> SOCAT = Map.of(
      "SOCAT_PEERADDR", "203.0.113.1", "SOCAT_PEERPORT", "49200",
      "SOCAT_SOCKADDR", "203.0.113.10", "SOCAT_SOCKPORT", "2323");

  @Test
  void check_fromSocatEnvListedMac_exitsZeroAndAsksAboutTheConnection() throws Exception {
    Path l = list("# lab", "02:00:5e:00:01:01");
    try (FakeAgent agent = agent(ResultCode.FOUND, "02:00:5e:00:01:01")) {
      Run r = run(SOCAT, args(agent, l, "--from-env"));
      assertEquals(0, r.exit(), r.err());
      assertEquals("02:00:5e:00:01:01\n", r.out());
      assertTrue(r.err().startsWith("trackpeer: allow 203.0.113.1:49200 -> 203.0.113.10:2323"),
          r.err());
      QueryRequest q = agent.requests().get(0).query();
      assertEquals(Endpoint.parse("203.0.113.1:49200", true), q.source());
      assertEquals(Endpoint.parse("203.0.113.10:2323", true), q.destination());
      assertEquals(1_700_000_100L, q.timeSeconds());
    }
  }

  @Test
  void check_notListed_exitsThirty() throws Exception {
    Path l = list("02:00:5e:00:01:01");
    try (FakeAgent agent = agent(ResultCode.FOUND, "02:00:5e:00:01:02")) {
      Run r = run(SOCAT, args(agent, l, "--from-env"));
      assertEquals(30, r.exit(), r.err());
      assertTrue(r.err().contains("deny") && r.err().contains("not listed"), r.err());
    }
  }

  @Test
  void check_ambiguous_exitsTwelve() throws Exception {
    Path l = list("02:00:5e:00:01:01");
    try (FakeAgent agent = agent(ResultCode.AMBIGUOUS, "02:00:5e:00:01:01",
        "02:00:5e:00:01:02")) {
      Run r = run(SOCAT, args(agent, l, "--from-env"));
      assertEquals(12, r.exit(), r.err());
    }
  }

  @Test
  void check_systemdWithExplicitDestination_usesBoth() throws Exception {
    Path l = list("02:00:5e:00:01:01");
    try (FakeAgent agent = agent(ResultCode.FOUND, "02:00:5e:00:01:01")) {
      Run r = run(Map.of("REMOTE_ADDR", "203.0.113.1", "REMOTE_PORT", "49300"),
          args(agent, l, "--from-env", "-dst", "203.0.113.10:2324"));
      assertEquals(0, r.exit(), r.err());
      QueryRequest q = agent.requests().get(0).query();
      assertEquals(Endpoint.parse("203.0.113.1:49300", true), q.source());
      assertEquals(Endpoint.parse("203.0.113.10:2324", true), q.destination());
    }
  }

  @Test
  void check_systemdWithoutDestination_isUsageError() throws Exception {
    Path l = list("02:00:5e:00:01:01");
    try (FakeAgent agent = agent(ResultCode.FOUND, "02:00:5e:00:01:01")) {
      Run r = run(Map.of("REMOTE_ADDR", "203.0.113.1", "REMOTE_PORT", "49300"),
          args(agent, l, "--from-env"));
      assertEquals(64, r.exit(), r.err());
      assertTrue(r.err().contains("give -dst"), r.err());
      assertTrue(agent.requests().isEmpty());
    }
  }

  @Test
  void check_badAllowListLine_isUsageErrorWithLineNumber() throws Exception {
    Path l = list("02:00:5e:00:01:01", "# fine", "not-a-mac");
    try (FakeAgent agent = agent(ResultCode.FOUND, "02:00:5e:00:01:01")) {
      Run r = run(SOCAT, args(agent, l, "--from-env"));
      assertEquals(64, r.exit(), r.err());
      assertTrue(r.err().contains(l + ":3: 'not-a-mac'"), r.err());
      assertTrue(agent.requests().isEmpty());
    }
  }

  @Test
  void check_optionConflicts_areUsageErrors() throws Exception {
    Path l = list("02:00:5e:00:01:01");
    try (FakeAgent agent = agent(ResultCode.FOUND, "02:00:5e:00:01:01")) {
      assertEquals(64, run(SOCAT, args(agent, l, "--from-env", "-s", "203.0.113.1:1")).exit());
      assertEquals(64, run(SOCAT, args(agent, l, "--from-env", "--json")).exit());
      assertEquals(64, run(SOCAT, args(agent, l, "--from-env", "-time", "0")).exit());
      assertEquals(64, run(Map.of(), args(agent, l, "--from-env")).exit());
      assertEquals(64, run(SOCAT, "--allow-list", l.toString(), "--from-env").exit());
      assertEquals(64, run(SOCAT, "--check", "--from-env").exit());
      assertTrue(agent.requests().isEmpty());
    }
  }

  @Test
  void fromEnvWithoutCheck_printsTheMac() throws Exception {
    try (FakeAgent agent = agent(ResultCode.FOUND, "02:00:5e:00:01:02")) {
      Run r = run(Map.of("SSH_CONNECTION", "203.0.113.1 50022 203.0.113.10 22"),
          "--from-env", "-a", agent.address());
      assertEquals(0, r.exit(), r.err());
      assertEquals("02:00:5e:00:01:02\n", r.out());
      assertEquals(Endpoint.parse("203.0.113.10:22", true),
          agent.requests().get(0).query().destination());
    }
  }
}
