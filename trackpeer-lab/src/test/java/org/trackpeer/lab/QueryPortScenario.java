package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The query port seen from several source addresses: the NAT lab's server namespace gets
 * extra addresses in 198.51.100.0/24 and the client sends from each with {@code --bind}. One
 * agent applies allow lists and rate limits, a second one on another port requires
 * authentication and sends its audit lines to a private rsyslogd (when rsyslog is installed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class QueryPortScenario {
  private static final String SECRET =
      "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

  private String lab;
  private Path dir;
  private Lab.Background plain;
  private Lab.Background authed;
  private PrivateSyslog syslog;

  @BeforeAll
  void buildLab() throws Exception {
    Lab.assumeLab();
    lab = Lab.uniqueName("qp");
    run(bin("lab/natlab"), "up", lab);
    for (int i = 11; i <= 14; i++) {
      run("ip", "-n", lab + "-s", "addr", "add", "198.51.100." + i + "/32", "dev", "eth0");
    }
    run("ip", "-n", lab + "-r", "route", "add", "198.51.100.0/24", "via", "203.0.113.10");
    dir = Files.createTempDirectory("qport");
    Path keys = dir.resolve("agent.keys");
    Files.writeString(keys, "4 " + SECRET + "\n");
    Files.writeString(dir.resolve("client.keys"), "4 " + SECRET + "\n");
    Files.writeString(dir.resolve("wrong.keys"), "4 " + SECRET.replace('8', '9') + "\n");
    Path plainConf = dir.resolve("plain.conf");
    Files.writeString(plainConf, "allow = 198.51.100.11/32, 198.51.100.12/32,"
        + " 198.51.100.14/32\nrate-per-client = 1\nrate-per-client-burst = 1\n"
        + "rate-refusals = 100\n");
    Path authConf = dir.resolve("auth.conf");
    if (Files.isExecutable(Path.of("/usr/sbin/rsyslogd"))) {
      syslog = PrivateSyslog.start(Files.createDirectory(dir.resolve("syslog")),
          Duration.ofSeconds(30));
    }
    Files.writeString(authConf, "allow = 198.51.100.0/24\nauth-key-file = " + keys + "\n"
        + (syslog == null ? "" : "syslog-socket = " + syslog.socket + "\n"));
    plain = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", plainConf.toString(),
        "-i", "lan0", "--listen", "127.0.0.1", "--listen", "203.0.113.1"));
    authed = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", authConf.toString(),
        "-i", "lan0", "--listen", "203.0.113.1", "--port", "7710"));
    for (Lab.Background b : new Lab.Background[] {plain, authed}) {
      b.awaitOutput(s -> s.contains("answering queries"), Duration.ofSeconds(30));
      b.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    if (lab == null) {
      return;
    }
    for (Lab.Background b : new Lab.Background[] {plain, authed}) {
      if (b != null) {
        b.close();
      }
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
    Lab.Result r = ask("198.51.100.11", "203.0.113.1");
    assertEquals(11, r.exit(), r.out() + r.err());
  }

  @Test
  void unlistedSource_isRefused() {
    Lab.Result r = ask("198.51.100.13", "203.0.113.1");
    assertEquals(15, r.exit(), r.out() + r.err());
  }

  @Test
  void repeatedQueries_beyondRate_areRateLimitedAndCounted() {
    boolean limited = false;
    for (int i = 0; i < 10 && !limited; i++) {
      Lab.Result r = ask("198.51.100.12", "203.0.113.1");
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
    String agent = "203.0.113.1:7710";
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
}
