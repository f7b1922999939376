package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Deciding by MAC address behind real NAT, and the agent's audit trail in a real syslog.
 *
 * <p>The server namespace runs socat with {@code docs/examples/gate.sh} in front of a service
 * that greets; the allow list holds host a's MAC only. Both LAN hosts reach the server from
 * the router's address 203.0.113.1. The agent on the router captures the LAN bridge, answers
 * only the server, and sends its audit lines to an rsyslogd with a private socket and config
 * that writes local4 to a file. The agent is stopped by the last test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class DecisionScenario {
  private static final String HOST_A_MAC = "02:00:5e:00:01:01";
  private static final String HOST_B_MAC = "02:00:5e:00:01:02";
  private static final String GREETING = "welcome-to-the-service";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private String lab;
  private Path dir;
  private Path allowList;
  private Path syslogOut;
  private Process rsyslogd;
  private Lab.Background agent;
  private Lab.Background gate;

  @BeforeAll
  void setUp() throws Exception {
    Lab.assumeLab();
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/rsyslogd")), "needs rsyslog installed");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "needs socat installed");
    dir = Files.createTempDirectory("decide");
    syslogOut = dir.resolve("syslog.out");
    Path socket = dir.resolve("log");
    rsyslogd = Rsyslog.start(dir, socket, syslogOut, "local4.*");

    allowList = dir.resolve("allow.list");
    Files.writeString(allowList, "# only host a\n" + HOST_A_MAC + "  # host a\n");
    Path conf = dir.resolve("trackpeerd.conf");
    Files.writeString(conf, String.join("\n",
        "interface = lan0",
        "listen = 127.0.0.1, 203.0.113.1, 192.0.2.1",
        "allow = 203.0.113.10/32",
        "syslog-socket = " + socket,
        "audit = on",
        "audit-facility = local4",
        "audit-level = notice",
        // port matching only, so two hosts on one inside port make an ambiguous answer
        "conntrack = off", ""));

    lab = Lab.uniqueName("dec");
    run(bin("lab/natlab"), "up", lab);
    agent = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", conf.toString()));
    agent.awaitOutput(s -> s.contains("answering queries"), WAIT);
    agent.awaitOutput(s -> s.contains("capturing on lan0"), WAIT);
    gate = Lab.start(in(lab + "-s", "env", "TRACKPEER=" + bin("bin/trackpeer"),
        "TRACKPEER_ALLOW_LIST=" + allowList, "socat", "TCP-LISTEN:2323,reuseaddr,fork",
        "EXEC:" + bin("docs/examples/gate.sh") + " /bin/echo " + GREETING));
    awaitListening(lab + "-s", 2323);
  }

  @AfterAll
  void tearDown() throws Exception {
    if (lab != null) {
      for (Lab.Background b : new Lab.Background[] {gate, agent}) {
        if (b != null) {
          b.close();
        }
      }
      run(bin("lab/natlab"), "down", lab);
    }
    if (rsyslogd != null && rsyslogd.isAlive()) {
      rsyslogd.destroy();
      if (!rsyslogd.waitFor(5, TimeUnit.SECONDS)) {
        rsyslogd.destroyForcibly();
      }
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Connects from {@code host} to the gated service and returns what the service said. */
  private static Lab.Result connect(String host, int sourcePort) {
    return Lab.exec(WAIT, in(host, "socat", "-u",
        "TCP:203.0.113.10:2323,sourceport=" + sourcePort + ",connect-timeout=5", "-"));
  }

  private Lab.Result check(String fromNs, String... args) {
    String[] cmd = new String[args.length + 3];
    cmd[0] = bin("bin/trackpeer");
    cmd[1] = "--check";
    cmd[2] = "--allow-list=" + allowList;
    System.arraycopy(args, 0, cmd, 3, args.length);
    return Lab.exec(WAIT, in(fromNs, cmd));
  }

  @Test
  @Order(1)
  void gate_listedHost_getsTheService() throws Exception {
    Lab.Result r = connect(lab + "-a", 49400);
    assertEquals(0, r.exit(), r.err());
    assertEquals(GREETING + "\n", r.out(), "gate log:\n" + gate.output());
    awaitSyslog(l -> l.startsWith("local4.notice trackpeerd[")
        && l.contains(": Query from=203.0.113.10:") && l.contains(" key=- ")
        && l.contains(" proto=tcp src=203.0.113.1:49400 dst=203.0.113.10:2323 ")
        && l.endsWith(" result=found evidence=port_match count=1 macs=" + HOST_A_MAC),
        "audit line of host a's check");
  }

  @Test
  @Order(2)
  void gate_unlistedHostBehindSameNat_getsNothing() throws Exception {
    Lab.Result r = connect(lab + "-b", 49500);
    assertEquals("", r.out(), "gate log:\n" + gate.output());
    awaitGateLog("trackpeer: deny 203.0.113.1:49500 -> 203.0.113.10:2323: found " + HOST_B_MAC
        + ", not listed");
    awaitSyslog(l -> l.contains(" src=203.0.113.1:49500 dst=203.0.113.10:2323 ")
        && l.endsWith(" result=found evidence=port_match count=1 macs=" + HOST_B_MAC),
        "audit line of host b's check");
  }

  @Test
  @Order(3)
  void check_twoHostsSameSourcePort_isAmbiguousAndDenies() throws Exception {
    // Both hosts send from port 40000 to the same server port; masquerading moves one of them
    // to another public port, but the agent sees two LAN flows that fit the preserved port.
    for (String h : List.of(lab + "-a", lab + "-b")) {
      run(in(h, "sh", "-c",
          "echo hi | socat -u - UDP-SENDTO:203.0.113.10:5353,sourceport=40000"));
    }
    Thread.sleep(300);
    Lab.Result r = check(lab + "-s", "-udp", "-s", "203.0.113.1:40000",
        "-dst", "203.0.113.10:5353");
    assertEquals(12, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("deny") && r.err().contains("ambiguous"), r.err());
    assertTrue(r.out().contains(HOST_A_MAC) && r.out().contains(HOST_B_MAC), r.out());
    awaitSyslog(l -> l.contains(" proto=udp src=203.0.113.1:40000 dst=203.0.113.10:5353 ")
        && l.contains(" result=ambiguous ") && l.contains(HOST_A_MAC)
        && l.contains(HOST_B_MAC), "audit line of the ambiguous answer");
  }

  @Test
  @Order(4)
  void check_clientTheAgentDoesNotAllow_isRefusedAndDenies() throws Exception {
    Lab.Result r = check(lab + "-a", "-a", "192.0.2.1", "-s", "203.0.113.1:49400",
        "-dst", "203.0.113.10:2323");
    assertEquals(15, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("deny"), r.err());
    awaitSyslog(l -> l.contains(": Query from=192.0.2.11:")
        && l.contains(" src=203.0.113.1:49400 dst=203.0.113.10:2323 ")
        && l.endsWith(" result=refused macs=-"), "audit line of the refused query");
  }

  @Test
  @Order(5)
  void auditLines_areAsciiKeyValueAtLocal4Notice() throws Exception {
    List<String> lines = Files.readAllLines(syslogOut, StandardCharsets.US_ASCII);
    List<String> audit = lines.stream().filter(l -> l.contains(": Query ")).toList();
    assertTrue(audit.size() >= 4, String.join("\n", lines));
    for (String l : audit) {
      assertTrue(l.startsWith("local4.notice trackpeerd["), l);
      assertTrue(l.chars().allMatch(c -> c >= 0x20 && c < 0x7f), l);
      String fields = l.substring(l.indexOf(": Query ") + ": Query ".length());
      for (String f : fields.split(" ")) {
        assertTrue(f.matches("[a-z]+=[^= ]+"), "not key=value: " + f + " in " + l);
      }
    }
  }

  @Test
  @Order(6)
  void gate_agentStopped_deniesEvenTheListedHost() throws Exception {
    agent.stop();
    Lab.Result direct = check(lab + "-s", "-s", "203.0.113.1:49400",
        "-dst", "203.0.113.10:2323", "--timeout", "300", "--retries", "0");
    assertEquals(2, direct.exit(), direct.out() + direct.err());
    assertTrue(direct.err().contains("deny"), direct.err());
    Lab.Result r = connect(lab + "-a", 49401);
    assertEquals("", r.out(), "gate log:\n" + gate.output());
    awaitGateLog("trackpeer: deny 203.0.113.1:49401 -> 203.0.113.10:2323: no answer");
  }

  private void awaitGateLog(String fragment) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!gate.output().contains(fragment)) {
      if (System.nanoTime() > deadline) {
        fail("gate log lacks '" + fragment + "':\n" + gate.output());
      }
      Thread.sleep(100);
    }
  }

  private void awaitSyslog(Predicate<String> match, String what) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      List<String> lines = Files.exists(syslogOut)
          ? Files.readAllLines(syslogOut, StandardCharsets.US_ASCII) : List.of();
      if (lines.stream().anyMatch(match)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("no " + what + " in syslog within " + WAIT + ":\n" + String.join("\n", lines)
            + "\nagent:\n" + agent.output());
      }
      Thread.sleep(200);
    }
  }

  private static void awaitListening(String ns, int port) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!run(in(ns, "ss", "-Htln", "sport = :" + port)).contains(":" + port)) {
      if (System.nanoTime() > deadline) {
        fail("nothing listens on port " + port + " in " + ns);
      }
      Thread.sleep(100);
    }
  }
}
