package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
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
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.ResultCode;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The quick parser against picocli: same options set, or a fall-back to picocli. */
final class QuickArgsTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_100L), ZoneOffset.UTC);
  private static final String S = "203.0.113.5:40000";
  private static final String D = "198.51.100.7:443";

  /** Command lines the quick parser takes; picocli must set the very same options. */
  private static final List<List<String>> TAKEN = List.of(
      List.of(),
      List.of("-s", S, "-dst", D),
      List.of("-s", S, "-dst", D, "-time", "1700000000"),
      List.of("-s", S, "-dst", D, "-time", "0"),
      List.of("-s", S, "-dst", D, "-time", "1700000000", "-udp"),
      List.of("--source", S, "--destination", D, "--time", "17", "--udp"),
      List.of("-s", S, "--dst", D, "-p", "udp"),
      List.of("-s", S, "-dst", D, "-p", "TCP"),
      List.of("-s", S, "-dst", D, "--protocol", "Udp", "-udp"),
      List.of("-s", S, "-dst", D, "-p", "tcp", "-udp"),
      List.of("-s", "[2001:db8::1]:40000", "-dst", "[2001:db8::2]:443"),
      List.of("-s", S, "-dst", "[2001:db8::2]:443"),
      List.of("-s", "203.0.113.5:0", "-dst", D),
      List.of("-a", "127.0.0.1", "-s", S, "-dst", D),
      List.of("-a", "127.0.0.1:7709", "-s", S, "-dst", D, "--port", "7710"),
      List.of("--agent", "[::1]:7709", "-s", S, "-dst", D),
      List.of("-a", "agent.example", "-s", S, "-dst", D),
      List.of("-s", S, "-dst", D, "--port", "1"),
      List.of("-s", S, "-dst", D, "--port", "65535"),
      List.of("-s", S, "-dst", D, "--tolerance", "0", "--timeout", "1", "--retries", "0"),
      List.of("-s", S, "-dst", D, "--tolerance", "65535", "--timeout", "60000",
          "--retries", "10"),
      List.of("-s", S, "-dst", D, "--timeout", "0500", "--retries", "+3"),
      List.of("-s", S, "-dst", D, "-v", "--json"),
      List.of("-s", S, "-dst", D, "--verbose"),
      List.of("-s", S, "-dst", D, "--key-file", "/etc/trackpeer/key"),
      List.of("-s", S, "-dst", D, "--bind", "192.0.2.1"),
      List.of("-s", S, "-dst", D, "--bind", "not-an-address"),
      List.of("-s", S, "-dst", D, "--config", "conf/trackpeer.conf"),
      List.of("--stats", "-a", "127.0.0.1"),
      List.of("--stats", "--json", "-a", "127.0.0.1:7709"),
      List.of("--check", "--allow-list", "macs.txt", "--from-env"),
      List.of("--check", "--allow-list", "macs.txt", "-s", S, "-dst", D, "-time", "5"),
      List.of("--allow-list", "macs.txt", "-s", S, "-dst", D),
      List.of("--from-env", "-dst", D),
      List.of("-dst", D),
      List.of("-s", S, "-dst", D, "-time", "9223372036854775807"));

  /** Valid command lines the quick parser leaves to picocli: help, version, name=value, --. */
  private static final List<List<String>> LEFT_VALID = List.of(
      List.of("-h"),
      List.of("--help"),
      List.of("-V"),
      List.of("--version"),
      List.of("-s", S, "-dst", D, "-h"),
      List.of("-s=" + S, "-dst", D),
      List.of("--source=" + S, "-dst", D),
      List.of("-s", S, "-dst", D, "--json=true"),
      List.of("-s", S, "-dst", D, "-a", "@agents"),
      List.of("-s", S, "-dst", D, "--"));

  /** Bad command lines, all left to picocli to report. */
  private static final List<List<String>> BAD_INPUT = List.of(
      List.of("-s"),
      List.of("-s", S, "-dst"),
      List.of("-s", "203.0.113.5", "-dst", D),
      List.of("-s", "203.0.113.5:65536", "-dst", D),
      List.of("-s", "host.example:40000", "-dst", D),
      List.of("-s", "", "-dst", D),
      List.of("-s", S, "-dst", "-time", "5"),
      List.of("-s", S, "-dst", D, "-time", "-1"),
      List.of("-s", S, "-dst", D, "-time", "now"),
      List.of("-s", S, "-dst", D, "-time", "9223372036854775808"),
      List.of("-s", S, "-dst", D, "-p", "icmp"),
      List.of("-s", S, "-dst", D, "--port", "0"),
      List.of("-s", S, "-dst", D, "--port", "65536"),
      List.of("-s", S, "-dst", D, "--tolerance", "65536"),
      List.of("-s", S, "-dst", D, "--tolerance", "-5"),
      List.of("-s", S, "-dst", D, "--timeout", "0"),
      List.of("-s", S, "-dst", D, "--timeout", "60001"),
      List.of("-s", S, "-dst", D, "--retries", "11"),
      List.of("-s", S, "-dst", D, "--retries", "x"),
      List.of("-s", S, "-dst", D, "-s", S),
      List.of("-s", S, "-dst", D, "--source", S),
      List.of("-s", S, "-dst", D, "-v", "-v"),
      List.of("-s", S, "-dst", D, "-udp", "--udp"),
      List.of("-s", S, "-dst", D, "extra"),
      List.of("-s", S, "-dst", D, "-vudp"),
      List.of("-S", S, "-dst", D),
      List.of("-s", S, "-dst", D, "--sour", S),
      List.of("-s", S, "-dst", D, "-a", "-v"),
      List.of("@args"),
      List.of("-s", S, "-dst", D, "--key-file", "a\0b"));

  private record Run(int exit, String out, String err) {}

  @Test
  void parse_commonCommandLines_setTheOptionsPicocliSets() throws Exception {
    for (List<String> args : TAKEN) {
      Trackpeer quick = new Trackpeer(CLOCK, Map.of());
      assertTrue(QuickArgs.parse(quick, args.toArray(new String[0])), args.toString());
      Trackpeer full = new Trackpeer(CLOCK, Map.of());
      Trackpeer.commandLine(full).parseArgs(args.toArray(new String[0]));
      assertEquals(options(full), options(quick), args.toString());
    }
  }

  @Test
  void parse_everyOtherCommandLine_leftToPicocli() {
    List<List<String>> left = new ArrayList<>(LEFT_VALID);
    left.addAll(BAD_INPUT);
    for (List<String> args : left) {
      assertFalse(QuickArgs.parse(new Trackpeer(CLOCK, Map.of()), args.toArray(new String[0])),
          args.toString());
    }
  }

  @Test
  void parse_badInput_picocliReportsItWithExit64() {
    for (List<String> bad : BAD_INPUT) {
      // an agent on loopback first: should picocli ever take one of these, nothing leaves
      List<String> args = new ArrayList<>(List.of("-a", "127.0.0.1:9", "--timeout", "1"));
      args.addAll(bad);
      Run r = viaPicocli(args, Map.of());
      assertEquals(ClientExit.USAGE, r.exit(), args + ": " + r.err());
      assertTrue(r.err().startsWith("trackpeer: ") && r.err().lines().count() == 1,
          args + ": " + r.err());
      assertEquals("", r.out(), args.toString());
    }
  }

  @Test
  void longName_everyOptionName_knownExceptHelpAndVersion() {
    for (Field f : Trackpeer.class.getDeclaredFields()) {
      Option o = f.getAnnotation(Option.class);
      for (String name : o == null ? new String[0] : o.names()) {
        assertTrue(QuickArgs.longName(name) != null, name);
      }
    }
    for (String name : List.of("-h", "--help", "-V", "--version")) {
      assertEquals(null, QuickArgs.longName(name), name);
    }
  }

  @Test
  void run_quickAndPicocli_sameOutputAndExit() throws Exception {
    Path allow = Files.createTempFile("trackpeer-allow", ".txt");
    Files.writeString(allow, "02:00:5e:10:00:01\n");
    Map<String, String> env = Map.of("SOCAT_PEERADDR", "203.0.113.5", "SOCAT_PEERPORT", "40000",
        "SOCAT_SOCKADDR", "198.51.100.7", "SOCAT_SOCKPORT", "443");
    try (FakeAgent agent = new FakeAgent(FakeAgent.replying(id -> new QueryReply(id,
        ResultCode.FOUND, Evidence.PORT_MATCH, 1, false, List.of(TrackpeerTest.PC1))))) {
      String a = agent.address();
      List<List<String>> lines = List.of(
          List.of("-a", a, "-s", S, "-dst", D, "-time", "1700000000"),
          List.of("-a", a, "-s", S, "-dst", D, "-v"),
          List.of("-a", a, "-s", S, "-dst", D, "--json", "-udp", "--tolerance", "3"),
          List.of("-a", a, "-s", S, "-dst", D, "-time", "0"),
          List.of("-a", a, "--check", "--allow-list", allow.toString(), "--from-env"),
          List.of("-a", a, "--check", "--allow-list", allow.toString(), "-s", S, "-dst", D),
          List.of("-a", a, "-s", S),
          List.of("-a", a, "-dst", D),
          List.of("-a", a, "-s", S, "-dst", "[2001:db8::2]:443"),
          List.of("-a", a, "-s", S, "-dst", D, "-p", "tcp", "-udp"),
          List.of("-a", a, "--port", "7709", "-s", S, "-dst", D),
          List.of("-a", "[::1", "-s", S, "-dst", D),
          List.of("-a", ":7709", "-s", S, "-dst", D),
          List.of("-a", a, "-s", S, "-dst", D, "--bind", "nowhere"),
          List.of("-a", a, "-s", S, "-dst", D, "--key-file", "/nonexistent/key"),
          List.of("-a", a, "--check", "-s", S, "-dst", D),
          List.of("-a", a, "--allow-list", allow.toString(), "-s", S, "-dst", D),
          List.of("-a", a, "--check", "--allow-list", allow.toString(), "--json", "-s", S,
              "-dst", D),
          List.of("-a", a, "--from-env", "-s", S, "-dst", D),
          List.of("--stats"),
          List.of("--config", "/nonexistent/trackpeer.conf", "-s", S, "-dst", D));
      for (List<String> args : lines) {
        Trackpeer quick = new Trackpeer(CLOCK, env);
        assertTrue(QuickArgs.parse(quick, args.toArray(new String[0])), args.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = quick.runQuick(new PrintWriter(out, true), new PrintWriter(err, true));
        Run q = new Run(exit, noIds(out.toString()), err.toString());
        Run p = viaPicocli(args, env);
        assertEquals(new Run(p.exit(), noIds(p.out()), p.err()), q, args.toString());
      }
    } finally {
      Files.deleteIfExists(allow);
    }
  }

  private static String noIds(String out) {
    return out.replaceAll("\"request_id\":\"[0-9a-f]+\"", "\"request_id\":\"\"");
  }

  private static Run viaPicocli(List<String> args, Map<String, String> env) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Trackpeer.commandLine(new Trackpeer(CLOCK, env));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args.toArray(new String[0]));
    return new Run(exit, out.toString(), err.toString());
  }

  /** Every option field of {@code t}, by name, as text. */
  private static List<String> options(Trackpeer t) throws IllegalAccessException {
    List<String> values = new ArrayList<>();
    for (Field f : Trackpeer.class.getDeclaredFields()) {
      if (f.getAnnotation(Option.class) != null) {
        f.setAccessible(true);
        Object v = f.get(t);
        values.add(f.getName() + "=" + (v instanceof Object[] ? Arrays.toString((Object[]) v) : v));
      }
    }
    return values;
  }
}
