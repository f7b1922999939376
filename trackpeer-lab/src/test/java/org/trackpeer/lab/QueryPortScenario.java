package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * The query port seen from several source addresses: the NAT lab's server namespace gets
 * extra addresses 198.51.100.11-16 and sends from each, with the client's {@code --bind} or
 * with {@link UdpPeer}, which sends datagrams the test built byte by byte and reports the bytes
 * that came back. Three agents capture the lab's LAN: one applies an allow list and a
 * per-source rate (port 7709), one requires authentication (7710), one has only a small global
 * rate (7711). Before the tests host a sends UDP from ports 41001-41003 and host b from 41004
 * and 41005 to 203.0.113.10:5353, in that order, and then both from port 41006 to
 * 203.0.113.10:5354, so the agents hold seven flows. The authenticating agent sends its audit
 * lines, unthrottled, to a private rsyslogd (when rsyslog is installed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class QueryPortScenario {
  private static final String SECRET =
      "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
  private static final String AGENT = "203.0.113.1";
  private static final int PLAIN_PORT = 7709;
  private static final int AUTH_PORT = 7710;
  private static final int GLOBAL_PORT = 7711;
  private static final int FORGER_PORT = 7712;
  private static final String MAC_A = "02:00:5e:00:01:01";
  private static final String MAC_B = "02:00:5e:00:01:02";
  /** The size of a query reply without records, as refusals and rate limits are sent. */
  private static final int EMPTY_REPLY = 18;
  /** The size of a stats reply that carries only a result code. */
  private static final int STATS_ERROR_REPLY = 13;
  /** How long {@link UdpPeer} waits for a reply that should come (it takes a few ms). */
  private static final int REPLY_MILLIS = 3000;
  /** How long it waits where no reply should come. */
  private static final int SILENCE_MILLIS = 300;

  private final SecureRandom random = new SecureRandom();
  private String lab;
  private Path dir;
  private Auth.Key key;
  private long flowsAt;
  private final List<Lab.Background> agents = new ArrayList<>();
  private PrivateSyslog syslog;

  @BeforeAll
  void buildLab() throws Exception {
    Lab.assumeLab();
    lab = Lab.uniqueName("qp");
    run(bin("lab/natlab"), "up", lab);
    for (int i = 11; i <= 16; i++) {
      run("ip", "-n", lab + "-s", "addr", "add", "198.51.100." + i + "/32", "dev", "eth0");
    }
    run("ip", "-n", lab + "-r", "route", "add", "198.51.100.0/24", "via", "203.0.113.10");
    dir = Files.createTempDirectory("qport");
    Path keys = dir.resolve("agent.keys");
    Files.writeString(keys, "4 " + SECRET + "\n");
    Files.writeString(dir.resolve("client.keys"), "4 " + SECRET + "\n");
    Files.writeString(dir.resolve("wrong.keys"), "4 " + SECRET.replace('8', '9') + "\n");
    key = Auth.readKeyFile(dir.resolve("client.keys")).get(4L);
    Path plainConf = dir.resolve("plain.conf");
    Files.writeString(plainConf, "allow = 198.51.100.11/32, 198.51.100.12/32,"
        + " 198.51.100.14/32, 198.51.100.15/32\nrate-per-client = 1\nrate-per-client-burst = 1\n"
        + "rate-refusals = 100\n");
    // no rate limits at all, so every one of the many requests below reaches authentication;
    // without connection tracking a query for the router's address matches by port alone
    Path authConf = dir.resolve("auth.conf");
    if (Files.isExecutable(Path.of("/usr/sbin/rsyslogd"))) {
      syslog = PrivateSyslog.start(Files.createDirectory(dir.resolve("syslog")),
          Duration.ofSeconds(30));
    }
    Files.writeString(authConf, "allow = 198.51.100.0/24\nauth-key-file = " + keys + "\n"
        + "rate-per-client = 0\nrate-total = 0\nrate-refusals = 0\nwildcard = on\n"
        + "conntrack = off\naudit-rate = 10000\n"
        + (syslog == null ? "" : "syslog-socket = " + syslog.socket + "\n"));
    Path globalConf = dir.resolve("global.conf");
    Files.writeString(globalConf, "allow = 198.51.100.0/24\nrate-per-client = 0\n"
        + "rate-total = 1\nrate-total-burst = 4\nrate-refusals = 100\n");
    agents.add(Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", plainConf.toString(),
        "-i", "lan0", "--listen", "127.0.0.1", "--listen", AGENT)));
    agents.add(Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", authConf.toString(),
        "-i", "lan0", "--listen", AGENT, "--port", Integer.toString(AUTH_PORT))));
    agents.add(Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", globalConf.toString(),
        "-i", "lan0", "--listen", AGENT, "--port", Integer.toString(GLOBAL_PORT))));
    for (Lab.Background b : agents) {
      b.awaitOutput(s -> s.contains("answering queries"), Duration.ofSeconds(30));
      b.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));
    }
    flowsAt = System.currentTimeMillis() / 1000;
    for (int port = 41001; port <= 41005; port++) {
      sendFlow(port <= 41003 ? "-a" : "-b", port, 5353);
    }
    sendFlow("-a", 41006, 5354);
    sendFlow("-b", 41006, 5354);
    awaitCached(7);
  }

  /** Sends one UDP datagram from LAN host {@code suffix} to 203.0.113.10:{@code dstPort}. */
  private void sendFlow(String suffix, int srcPort, int dstPort) {
    run(in(lab + suffix, "sh", "-c", "echo hello | socat -u - UDP-SENDTO:203.0.113.10:"
        + dstPort + ",sourceport=" + srcPort));
  }

  /** Waits (at most 5 s) until the authenticating agent holds {@code n} flows. */
  private void awaitCached(long n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    long cached = 0;
    while (System.nanoTime() < deadline) {
      cached = authStats().getOrDefault("cache_entries_v4", 0L);
      if (cached >= n) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the agent holds " + cached + " flows, not " + n);
  }

  @AfterAll
  void tearDown() throws Exception {
    if (lab == null) {
      return;
    }
    for (Lab.Background b : agents) {
      b.close();
    }
    run(bin("lab/natlab"), "down", lab);
    if (syslog != null) {
      syslog.close();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Lab.Result ask(String from, String agent, String... extra) {
    String[] base = {bin("bin/trackpeer"), "--bind", from, "-a", agent, "--retries", "0",
        "--timeout", "1500", "-s", "203.0.113.1:40999", "-dst", "203.0.113.10:23"};
    String[] cmd = new String[base.length + extra.length];
    System.arraycopy(base, 0, cmd, 0, base.length);
    System.arraycopy(extra, 0, cmd, base.length, extra.length);
    return Lab.exec(Duration.ofSeconds(30), in(lab + "-s", cmd));
  }

  @Test
  void listedSource_isAnswered() {
    Lab.Result r = ask("198.51.100.11", AGENT);
    assertEquals(11, r.exit(), r.out() + r.err());
  }

  @Test
  void unlistedSource_isRefused() {
    Lab.Result r = ask("198.51.100.13", AGENT);
    assertEquals(15, r.exit(), r.out() + r.err());
  }

  @Test
  void repeatedQueries_beyondRate_areRateLimitedAndCounted() {
    boolean limited = false;
    for (int i = 0; i < 10 && !limited; i++) {
      Lab.Result r = ask("198.51.100.12", AGENT);
      assertTrue(r.exit() == 11 || r.exit() == 20, r.out() + r.err());
      limited = r.exit() == 20;
    }
    assertTrue(limited, "no rate_limited answer in 10 queries at 1 per second");
    Lab.Result stats = Lab.exec(Duration.ofSeconds(30),
        in(lab + "-r", bin("bin/trackpeer"), "-a", "127.0.0.1", "--stats"));
    assertEquals(0, stats.exit(), stats.err());
    long n = stats.out().lines().filter(l -> l.startsWith("query_rate_limited "))
        .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1))).sum();
    assertTrue(n >= 1, stats.out());
  }

  @Test
  void authenticatedAgent_rightKeyAnswered_noKeyRefused_wrongKeyBadReply() {
    String agent = AGENT + ":" + AUTH_PORT;
    Lab.Result ok = ask("198.51.100.14", agent, "--key-file",
        dir.resolve("client.keys").toString());
    assertEquals(11, ok.exit(), ok.out() + ok.err());
    Lab.Result none = ask("198.51.100.14", agent);
    assertEquals(15, none.exit(), none.out() + none.err());
    Lab.Result wrong = ask("198.51.100.14", agent, "--key-file",
        dir.resolve("wrong.keys").toString());
    assertEquals(3, wrong.exit(), wrong.out() + wrong.err());
  }

  @Test
  void authenticatedAgent_answeredQuery_auditLineNamesKeyId() throws Exception {
    assumeTrue(syslog != null, "needs rsyslog installed");
    Lab.Result ok = ask("198.51.100.14", "203.0.113.1:7710", "--key-file",
        dir.resolve("client.keys").toString(), "-time", "1000000000", "--tolerance", "3");
    assertEquals(13, ok.exit(), ok.out() + ok.err());
    String line = syslog.await(l -> l.contains(" key=4 ") && l.contains(" time=1000000000 "),
        "audit line of the authenticated query", Duration.ofSeconds(30));
    assertTrue(line.matches("local4\\.notice trackpeerd\\[\\d+\\]: Query"
        + " from=198\\.51\\.100\\.14:\\d+ key=4 id=[0-9a-f]+ proto=tcp"
        + " src=203\\.0\\.113\\.1:40999 dst=203\\.0\\.113\\.10:23 time=1000000000"
        + " tolerance=3 page=0 result=outside_window evidence=none count=0 macs=-"), line);
  }

  // ------------------------------------------------------------------ bytes on the wire

  @Test
  void refusedAndRateLimitedReplies_areNoLargerThanTheirRequests() throws Exception {
    byte[] query = QueryCodec.encodeRequest(unknownFlow(), 0);
    byte[] padded = QueryCodec.encodeRequest(unknownFlow(), 1472);
    byte[] stats = QueryCodec.encodeStatsRequest(nextId(), 0);
    byte[] again = QueryCodec.encodeRequest(unknownFlow(), 0);
    byte[] statsAgain = QueryCodec.encodeStatsRequest(nextId(), 0);
    assertEquals(40, query.length);
    assertEquals(13, stats.length);
    List<Send> sends = List.of(
        new Send("198.51.100.13", query),
        new Send("198.51.100.13", stats),
        new Send("198.51.100.13", padded),
        // a listed source with a fresh bucket of one query, then two more at once
        new Send("198.51.100.15", query),
        new Send("198.51.100.15", again),
        new Send("198.51.100.15", statsAgain));
    List<byte[]> replies = exchange(PLAIN_PORT, sends);
    ResultCode[] results = {ResultCode.REFUSED, ResultCode.REFUSED, ResultCode.REFUSED,
        ResultCode.NOT_FOUND, ResultCode.RATE_LIMITED, ResultCode.RATE_LIMITED};
    int[] sizes = {EMPTY_REPLY, STATS_ERROR_REPLY, EMPTY_REPLY, EMPTY_REPLY, EMPTY_REPLY,
        STATS_ERROR_REPLY};
    for (int i = 0; i < sends.size(); i++) {
      byte[] reply = replies.get(i);
      assertNotNull(reply, "no reply to datagram " + i);
      assertEquals(sizes[i], reply.length, "reply " + i);
      assertTrue(reply.length <= sends.get(i).datagram().length, "reply " + i);
      assertArrayEquals(idOf(sends.get(i).datagram()), idOf(reply), "reply " + i);
      assertEquals(results[i].wire(), reply[12], "reply " + i);
    }
  }

  @Test
  void globalRate_sharedBySixSources_answersOnlyTheBurst() throws Exception {
    // one query from each source: no source is over any limit of its own
    List<Send> sends = new ArrayList<>();
    for (int i = 11; i <= 16; i++) {
      sends.add(new Send("198.51.100." + i, QueryCodec.encodeRequest(unknownFlow(), 0)));
    }
    List<byte[]> replies = exchange(GLOBAL_PORT, sends);
    for (int i = 0; i < sends.size(); i++) {
      byte[] reply = replies.get(i);
      assertNotNull(reply, "no reply to source " + sends.get(i).from());
      assertEquals(EMPTY_REPLY, reply.length);
      ResultCode expected = i < 4 ? ResultCode.NOT_FOUND : ResultCode.RATE_LIMITED;
      assertEquals(expected.wire(), reply[12], "source " + sends.get(i).from());
    }
  }

  @Test
  void authenticatedWildcard_pagedToFitItsRequest_largerRequestLargerAnswer() throws Exception {
    // 200 bytes leave a budget of 168 for reply and MAC: two records; 400 bytes: all five
    Sealed[] requests = {wildcard(0, 200), wildcard(1, 200), wildcard(2, 200),
        wildcard(0, 400)};
    List<Send> sends = new ArrayList<>();
    for (Sealed s : requests) {
      sends.add(new Send("198.51.100.14", s.datagram()));
    }
    List<byte[]> replies = exchange(AUTH_PORT, sends);
    int[] sizes = {18 + 2 * 54 + 32, 18 + 2 * 54 + 32, 18 + 54 + 32, 18 + 5 * 54 + 32};
    int[][] ports = {{41001, 41002}, {41003, 41004}, {41005},
        {41001, 41002, 41003, 41004, 41005}};
    boolean[] more = {true, true, false, false};
    for (int i = 0; i < requests.length; i++) {
      byte[] reply = replies.get(i);
      assertNotNull(reply, "no reply to wildcard " + i);
      assertEquals(sizes[i], reply.length, "wildcard " + i);
      assertTrue(reply.length <= requests[i].datagram().length, "wildcard " + i);
      QueryReply r = open(reply, requests[i]);
      assertEquals(ResultCode.FOUND, r.result(), "wildcard " + i);
      assertEquals(5, r.totalMatches(), "wildcard " + i);
      assertEquals(more[i], r.more(), "wildcard " + i);
      assertArrayEquals(ports[i], r.records().stream().mapToInt(PeerRecord::insidePort)
          .toArray(), "wildcard " + i);
      for (PeerRecord rec : r.records()) {
        assertEquals(rec.insidePort() <= 41003 ? MAC_A : MAC_B, rec.mac().toString());
      }
    }
  }

  @Test
  void authenticatedAmbiguousAnswer_pagedToFitItsRequest() throws Exception {
    // the router's address and port 41006 match both hosts' flows; 140 bytes fit one record
    Sealed[] requests = {portQuery(0, 140), portQuery(1, 140), portQuery(0, 200)};
    List<Send> sends = new ArrayList<>();
    for (Sealed s : requests) {
      sends.add(new Send("198.51.100.14", s.datagram()));
    }
    List<byte[]> replies = exchange(AUTH_PORT, sends);
    int[] sizes = {18 + 54 + 32, 18 + 54 + 32, 18 + 2 * 54 + 32};
    boolean[] more = {true, false, false};
    List<String> macs = new ArrayList<>();
    for (int i = 0; i < requests.length; i++) {
      byte[] reply = replies.get(i);
      assertNotNull(reply, "no reply to page request " + i);
      assertEquals(sizes[i], reply.length, "page request " + i);
      QueryReply r = open(reply, requests[i]);
      assertEquals(ResultCode.AMBIGUOUS, r.result(), "page request " + i);
      assertEquals(2, r.totalMatches(), "page request " + i);
      assertEquals(more[i], r.more(), "page request " + i);
      for (PeerRecord rec : r.records()) {
        macs.add(rec.mac().toString());
      }
    }
    // pages 0 and 1 together hold what the larger request got at once, most recent first
    assertEquals(List.of(MAC_B, MAC_A, MAC_B, MAC_A), macs);
  }

  // ------------------------------------------------------------------ authentication

  @Test
  void authenticatedRequest_everyBitFlipped_noneAnsweredEachCounted() throws Exception {
    // 140 bytes: fields, trailer and 40 bytes of padding; room for one record and the MAC
    Sealed valid = flowQuery(now(), 140);
    List<Send> sends = new ArrayList<>();
    sends.add(new Send("198.51.100.14", valid.datagram()));
    // why the agent cannot decode each copy, as the codec says; null for a decodable copy
    List<ProtocolException> undecodable = new ArrayList<>();
    undecodable.add(null);
    int decodable = 0;
    for (int bit = 0; bit < valid.datagram().length * 8; bit++) {
      byte[] copy = valid.datagram().clone();
      copy[bit / 8] ^= (byte) (1 << (bit % 8));
      ProtocolException bad = null;
      try {
        QueryCodec.decodeRequest(copy, 0, copy.length);
        decodable++;
      } catch (ProtocolException e) {
        bad = e;
      }
      undecodable.add(bad);
      boolean silent = bad != null && !bad.answerable();
      sends.add(new Send("198.51.100.14", copy, silent ? SILENCE_MILLIS : REPLY_MILLIS));
    }
    Map<String, Long> before = authStats();
    List<byte[]> replies = exchange(AUTH_PORT, sends);
    Map<String, Long> after = authStats();

    assertFoundHostA(replies.get(0), valid);
    for (int i = 1; i < sends.size(); i++) {
      byte[] copy = sends.get(i).datagram();
      byte[] reply = replies.get(i);
      ProtocolException bad = undecodable.get(i);
      String which = "bit " + (i - 1) + " flipped";
      if (bad != null && !bad.answerable()) {
        assertNull(reply, which);
        continue;
      }
      assertNotNull(reply, which);
      // decoded copies fail authentication and are refused; the others are malformed
      ResultCode expected = bad == null ? ResultCode.REFUSED : bad.resultCode();
      assertEquals(expected.wire(), reply[12], which);
      assertTrue(reply.length == EMPTY_REPLY || reply.length == STATS_ERROR_REPLY,
          which + ": " + reply.length + " bytes");
      assertArrayEquals(idOf(copy), idOf(reply), which);
    }
    int flips = sends.size() - 1;
    assertEquals(1120, flips);
    // decodable: 64 bits of id, 192 of the question, the family 4 turned 6 (the trailer is
    // then read as addresses and a key id out of the nonce), 480 of trailer, 320 of padding
    assertEquals(1057, decodable);
    assertEquals(1057, delta(before, after, "query_auth_failed_"), after.toString());
    // id, question, timestamp, nonce and MAC: 64 + 192 + 64 + 128 + 256
    assertEquals(704, delta(before, after, "query_auth_failed_bad_mac"), after.toString());
    assertEquals(33, delta(before, after, "query_auth_failed_unknown_key"), after.toString());
    assertEquals(320, delta(before, after, "query_auth_failed_nonzero_padding"),
        after.toString());
    assertEquals(flips - decodable, delta(before, after, "query_rejected_"), after.toString());
    assertEquals(1, delta(before, after, "queries_found"), after.toString());
  }

  @Test
  void authenticatedRequest_sentTwice_secondCopyRefusedAsReplay() throws Exception {
    Sealed valid = flowQuery(now(), 512);
    Map<String, Long> before = authStats();
    List<byte[]> replies = exchange(AUTH_PORT, List.of(
        new Send("198.51.100.14", valid.datagram()), new Send("198.51.100.14", valid.datagram())));
    Map<String, Long> after = authStats();
    assertFoundHostA(replies.get(0), valid);
    assertRefusedUnsigned(replies.get(1), valid);
    assertEquals(1, delta(before, after, "query_auth_failed_replay"), after.toString());
    assertEquals(1, delta(before, after, "query_auth_failed_"), after.toString());
  }

  @Test
  void authenticatedRequest_clockSkewBeyondThirtySeconds_isRefused() throws Exception {
    Map<String, Long> before = authStats();
    // the agent reads its clock a moment later: 31 s behind is beyond the window even then
    long now = now();
    Sealed[] requests = {flowQuery(now - 31, 512), flowQuery(now - 35, 512),
        flowQuery(now + 35, 512), flowQuery(now - 20, 512), flowQuery(now + 20, 512)};
    List<Send> sends = new ArrayList<>();
    for (Sealed s : requests) {
      sends.add(new Send("198.51.100.14", s.datagram()));
    }
    List<byte[]> replies = exchange(AUTH_PORT, sends);
    Map<String, Long> after = authStats();
    assertRefusedUnsigned(replies.get(0), requests[0]);
    assertRefusedUnsigned(replies.get(1), requests[1]);
    assertRefusedUnsigned(replies.get(2), requests[2]);
    assertFoundHostA(replies.get(3), requests[3]);
    assertFoundHostA(replies.get(4), requests[4]);
    assertEquals(3, delta(before, after, "query_auth_failed_clock_skew"), after.toString());
    assertEquals(3, delta(before, after, "query_auth_failed_"), after.toString());
  }

  @Test
  void forgedReply_toAuthenticatingClient_rejectedAndItsMacNeverPrinted() throws Exception {
    // the forger holds the agent's address and a port no agent listens on; the first reply is
    // sealed with the real key and shows the forged replies differ from a good one only in
    // their MAC
    String[] modes = {"signed", "bad-mac", "unsigned", "other-nonce"};
    List<String> cmd = new ArrayList<>(List.of(udpPeer("forge", AGENT,
        Integer.toString(FORGER_PORT), dir.resolve("client.keys").toString())));
    cmd.addAll(Arrays.asList(modes));
    try (Lab.Background forger = Lab.start(in(lab + "-r", cmd.toArray(new String[0])))) {
      forger.awaitOutput(s -> s.contains("listening"), Duration.ofSeconds(15));
      String agent = AGENT + ":" + FORGER_PORT;
      String keyFile = dir.resolve("client.keys").toString();
      Lab.Result good = ask("198.51.100.14", agent, "--key-file", keyFile);
      assertEquals(0, good.exit(), good.out() + good.err());
      assertEquals(UdpPeer.FORGED_MAC, good.out().lines().findFirst().orElse(""));
      for (int i = 1; i < modes.length; i++) {
        Lab.Result r = ask("198.51.100.14", agent, "--key-file", keyFile);
        assertEquals(3, r.exit(), modes[i] + ": " + r.out() + r.err());
        assertFalse((r.out() + r.err()).contains(UdpPeer.FORGED_MAC), modes[i] + ": " + r.out());
        assertFalse((r.out() + r.err()).contains("02005e006666"), modes[i] + ": " + r.out());
      }
      forger.awaitOutput(s -> s.contains("answered other-nonce"), Duration.ofSeconds(5));
    }
  }

  // ------------------------------------------------------------------ helpers

  /** One datagram, the source address it is sent from, and how long to wait for a reply. */
  private record Send(String from, byte[] datagram, int waitMillis) {
    Send(String from, byte[] datagram) {
      this(from, datagram, REPLY_MILLIS);
    }
  }

  /** An authenticated request and the nonce its reply is bound to. */
  private record Sealed(byte[] datagram, byte[] nonce) {}

  /**
   * Sends the datagrams one after another from the server namespace to the agent on {@code
   * port}; returns each reply, or null where none came within its wait.
   */
  private List<byte[]> exchange(int port, List<Send> sends) throws Exception {
    Path file = Files.createTempFile(dir, "send", ".txt");
    StringBuilder text = new StringBuilder();
    for (Send s : sends) {
      text.append(s.from()).append(' ').append(HexFormat.of().formatHex(s.datagram()))
          .append(' ').append(s.waitMillis()).append('\n');
    }
    Files.writeString(file, text);
    Lab.Result r = Lab.exec(Duration.ofSeconds(90), in(lab + "-s", udpPeer("exchange",
        file.toString(), AGENT, Integer.toString(port))));
    Files.delete(file);
    assertEquals(0, r.exit(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(sends.size(), lines.size(), r.out());
    List<byte[]> replies = new ArrayList<>();
    for (String l : lines) {
      replies.add(l.equals("-") ? null : HexFormat.of().parseHex(l));
    }
    return replies;
  }

  /** The command that runs {@link UdpPeer} with the test's own JVM and class path. */
  private static String[] udpPeer(String... args) throws Exception {
    String cp = Path.of(UdpPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        + ":" + Path.of(Auth.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", cp, UdpPeer.class.getName()));
    cmd.addAll(Arrays.asList(args));
    return cmd.toArray(new String[0]);
  }

  /** Returns the authenticating agent's counters, asked with the right key. */
  private Map<String, Long> authStats() {
    Lab.Result r = Lab.exec(Duration.ofSeconds(30), in(lab + "-s", bin("bin/trackpeer"),
        "--bind", "198.51.100.14", "-a", AGENT + ":" + AUTH_PORT, "--retries", "0",
        "--key-file", dir.resolve("client.keys").toString(), "--stats"));
    assertEquals(0, r.exit(), r.out() + r.err());
    Map<String, Long> m = new HashMap<>();
    r.out().lines().map(l -> l.split(" ")).filter(f -> f.length == 2)
        .forEach(f -> m.put(f[0], Long.parseLong(f[1])));
    return m;
  }

  /** The rise of every counter whose name starts with {@code prefix}, summed. */
  private static long delta(Map<String, Long> before, Map<String, Long> after, String prefix) {
    long sum = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
      }
    }
    return sum;
  }

  /** A query about a flow nobody sent, as the plain agents are asked. */
  private QueryRequest unknownFlow() {
    return new QueryRequest(nextId(), QueryRequest.TCP, Endpoint.parse("203.0.113.1:40999", true),
        Endpoint.parse("203.0.113.10:23", true), now(), 0, 0);
  }

  /** An authenticated query about host a's flow from port 41001, stamped {@code stamp}. */
  private Sealed flowQuery(long stamp, int padTo) {
    QueryRequest q = new QueryRequest(nextId(), QueryRequest.UDP,
        Endpoint.parse("192.0.2.11:41001", true), Endpoint.parse("203.0.113.10:5353", true),
        flowsAt, 60, 0);
    return seal(q, stamp, padTo);
  }

  /** An authenticated query for the router's address and port 41006 to port 5354. */
  private Sealed portQuery(int page, int padTo) {
    QueryRequest q = new QueryRequest(nextId(), QueryRequest.UDP,
        Endpoint.parse("203.0.113.1:41006", true), Endpoint.parse("203.0.113.10:5354", true),
        flowsAt, 60, page);
    return seal(q, now(), padTo);
  }

  /** An authenticated wildcard query for every flow to 203.0.113.10:5353. */
  private Sealed wildcard(int page, int padTo) {
    QueryRequest q = new QueryRequest(nextId(), QueryRequest.UDP,
        Endpoint.parse("192.0.2.11:41001", true), Endpoint.parse("203.0.113.10:5353", true),
        0, 0, page);
    return seal(q, now(), padTo);
  }

  private Sealed seal(QueryRequest q, long stamp, int padTo) {
    byte[] nonce = new byte[Auth.NONCE_SIZE];
    random.nextBytes(nonce);
    return new Sealed(Auth.sealRequest(QueryCodec.encodeRequest(q, 0), key, stamp, nonce, padTo),
        nonce);
  }

  /** Checks the reply's MAC against the request's nonce and decodes it. */
  private QueryReply open(byte[] reply, Sealed request) throws Exception {
    int body = Auth.openReply(reply, reply.length, key, request.nonce());
    QueryReply r = QueryCodec.decodeReply(reply, 0, body);
    assertArrayEquals(idOf(request.datagram()), idOf(reply));
    return r;
  }

  private void assertFoundHostA(byte[] reply, Sealed request) throws Exception {
    assertNotNull(reply, "no reply to a valid request");
    assertEquals(18 + 54 + 32, reply.length);
    assertTrue(reply.length <= request.datagram().length);
    QueryReply r = open(reply, request);
    assertEquals(ResultCode.FOUND, r.result());
    assertEquals(1, r.records().size());
    assertEquals(MAC_A, r.records().get(0).mac().toString());
    assertEquals(41001, r.records().get(0).insidePort());
  }

  /** A refusal for failed authentication: 18 bytes, the request's id, and no MAC. */
  private static void assertRefusedUnsigned(byte[] reply, Sealed request) {
    assertNotNull(reply, "no reply");
    assertEquals(EMPTY_REPLY, reply.length);
    assertArrayEquals(idOf(request.datagram()), idOf(reply));
    assertEquals(ResultCode.REFUSED.wire(), reply[12]);
  }

  private static byte[] idOf(byte[] datagram) {
    return Arrays.copyOfRange(datagram, 4, 12);
  }

  private long nextId() {
    long id;
    do {
      id = random.nextLong();
    } while (id == 0);
    return id;
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }
}
