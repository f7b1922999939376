package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The fail2ban action of docs/examples/fail2ban under a real fail2ban-server in the NAT lab's
 * server namespace. The server has its own configuration directory (one jail, polling a log
 * file of the test, the repository's trackpeer action and no banning action, so no firewall
 * rule is made), its own socket, pid file and in-memory database. A socat service on port 2323
 * writes an sshd-style failure line for every connection; after two from host b fail2ban bans
 * the router's address and the action logs host b's MAC to a private rsyslogd.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class Fail2banRealScenario {
  private static final String HOST_B_MAC = "02:00:5e:00:01:02";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private String lab;
  private Path dir;
  private Path serviceLog;
  private PrivateSyslog syslog;
  private Lab.Background agent;
  private Lab.Background service;
  private Lab.Background fail2ban;

  @BeforeAll
  void setUp() throws Exception {
    Lab.assumeLab();
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/fail2ban-server")),
        "needs fail2ban (/usr/bin/fail2ban-server); skipped");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "needs socat; skipped");
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/rsyslogd")), "needs rsyslog; skipped");
    dir = Files.createTempDirectory("f2breal");
    syslog = PrivateSyslog.start(dir, WAIT);
    serviceLog = dir.resolve("service.log");
    Files.writeString(serviceLog, "");
    Path conf = writeFail2banConfig();

    Path logline = dir.resolve("logline.sh");
    Files.writeString(logline, "echo \"$(date -Iseconds) srv sshd[7]: Failed password for root"
        + " from $SOCAT_PEERADDR port $SOCAT_PEERPORT ssh2\" >> " + serviceLog + "\n");

    lab = Lab.uniqueName("f2r");
    run(bin("lab/natlab"), "up", lab);
    agent = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", "/dev/null", "-i", "lan0",
        "--listen", "203.0.113.1", "--allow", "203.0.113.10/32"));
    agent.awaitOutput(s -> s.contains("capturing on lan0"), WAIT);
    service = Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:2323,reuseaddr,fork",
        "SYSTEM:sh " + logline));
    fail2ban = Lab.start(in(lab + "-s", "env",
        "TRACKPEER=" + bin("bin/trackpeer"),
        "TRACKPEER_AUTHLOG=" + serviceLog,
        "TRACKPEER_AGENT=203.0.113.1",
        "TRACKPEER_SYSLOG_SOCKET=" + syslog.socket,
        "/usr/bin/fail2ban-server", "-f", "-x", "-c", conf.toString(),
        "-s", dir.resolve("f2b.sock").toString(), "-p", dir.resolve("f2b.pid").toString(),
        "start"));
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!status().contains("tptest")) {
      if (System.nanoTime() > deadline || !fail2ban.process.isAlive()) {
        fail("fail2ban did not start its jail:\n" + fail2ban.output() + "\n"
            + readIfThere(dir.resolve("f2b.log")));
      }
      Thread.sleep(200);
    }
  }

  private Path writeFail2banConfig() throws Exception {
    Path conf = dir.resolve("fail2ban");
    Files.createDirectories(conf.resolve("filter.d"));
    Files.createDirectories(conf.resolve("action.d"));
    Files.writeString(conf.resolve("fail2ban.conf"), String.join("\n",
        "[Definition]",
        "loglevel = INFO",
        "logtarget = " + dir.resolve("f2b.log"),
        "socket = " + dir.resolve("f2b.sock"),
        "pidfile = " + dir.resolve("f2b.pid"),
        "dbfile = :memory:",
        "allowipv6 = auto", ""));
    Files.writeString(conf.resolve("jail.conf"), String.join("\n",
        "[DEFAULT]",
        "backend = polling",
        "",
        "[tptest]",
        "enabled = true",
        "filter = tptest",
        "logpath = " + serviceLog,
        "maxretry = 2",
        "findtime = 600",
        "bantime = 600",
        "action = trackpeer[port=2323, script=\""
            + bin("docs/examples/fail2ban/trackpeer-banned.sh") + "\"]", ""));
    Files.writeString(conf.resolve("filter.d/tptest.conf"), String.join("\n",
        "[Definition]",
        "failregex = Failed password for \\S+ from <HOST> port \\d+", ""));
    Files.copy(Path.of(bin("docs/examples/fail2ban/trackpeer.conf")),
        conf.resolve("action.d/trackpeer.conf"));
    return conf;
  }

  @AfterAll
  void tearDown() throws Exception {
    for (Lab.Background b : new Lab.Background[] {fail2ban, service, agent}) {
      if (b != null) {
        b.close();
      }
    }
    if (lab != null) {
      Lab.exec(Duration.ofSeconds(60), bin("lab/natlab"), "down", lab);
    }
    if (syslog != null) {
      syslog.close();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Asks the private server for its status, of one jail when {@code jail} is not empty. */
  private String status(String... jail) {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/fail2ban-client",
        "-s", dir.resolve("f2b.sock").toString(), "status"));
    cmd.addAll(List.of(jail));
    Lab.Result r = Lab.exec(WAIT, cmd.toArray(new String[0]));
    return r.out() + r.err();
  }

  private static String readIfThere(Path p) throws Exception {
    return Files.exists(p) ? Files.readString(p) : "(no " + p + ")";
  }

  @Test
  void twoFailuresFromHostB_banTheRouterAndRecordHostBsMac() throws Exception {
    for (int port : new int[] {49710, 49711}) {
      run(in(lab + "-b", "socat", "-u", "OPEN:/dev/null",
          "TCP:203.0.113.10:2323,sourceport=" + port + ",connect-timeout=5"));
    }
    String line = syslog.await(l -> l.startsWith("auth.notice trackpeer-fail2ban"),
        "line of the trackpeer action", WAIT);
    assertTrue(line.contains(": banned=203.0.113.1 port=49711 time="), line + "\nlog:\n"
        + Files.readString(serviceLog) + "\nfail2ban:\n" + readIfThere(dir.resolve("f2b.log")));
    assertTrue(line.endsWith(" mac=" + HOST_B_MAC + " status=0"), line);
    String jail = status("tptest");
    assertTrue(jail.contains("Banned IP list:\t203.0.113.1"), jail);
    assertEquals(1, syslog.lines().stream()
        .filter(l -> l.contains("trackpeer-fail2ban")).count(), String.join("\n", syslog.lines()));
  }
}
