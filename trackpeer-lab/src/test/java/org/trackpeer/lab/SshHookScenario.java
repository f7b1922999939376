package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * docs/examples/ssh-mac.sh as the ForceCommand of a real sshd in the NAT lab's server
 * namespace. One private sshd listens on two ports: 2222 records only ({@code -n}), 2223
 * enforces an allow list that holds host a's MAC. The script logs to a private rsyslogd. Both
 * LAN hosts log in as root with a key made for the test, through the router's masquerading.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class SshHookScenario {
  private static final String HOST_A_MAC = "02:00:5e:00:01:01";
  private static final String HOST_B_MAC = "02:00:5e:00:01:02";
  private static final String MARKER = "the-command-ran";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private String lab;
  private Path dir;
  private PrivateSyslog syslog;
  private Lab.Background agent;
  private Lab.Background sshd;

  @BeforeAll
  void setUp() throws Exception {
    Lab.assumeLab();
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sshd")),
        "needs openssh-server (/usr/sbin/sshd); skipped");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/ssh")),
        "needs openssh-client (/usr/bin/ssh); skipped");
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/rsyslogd")), "needs rsyslog; skipped");
    dir = Files.createTempDirectory("sshmac");
    syslog = PrivateSyslog.start(dir, WAIT);
    run("ssh-keygen", "-q", "-t", "ed25519", "-f", dir.resolve("hostkey").toString(), "-N", "");
    run("ssh-keygen", "-q", "-t", "ed25519", "-f", dir.resolve("key").toString(), "-N", "");
    Files.copy(dir.resolve("key.pub"), dir.resolve("authorized_keys"));
    Path allow = dir.resolve("allow.list");
    Files.writeString(allow, HOST_A_MAC + "  # host a\n");
    // sshd refuses to start without its privilege separation directory
    Files.createDirectories(Path.of("/run/sshd"));

    String script = "/bin/sh " + bin("docs/examples/ssh-mac.sh") + " -t "
        + bin("bin/trackpeer") + " -u " + syslog.socket;
    Path conf = dir.resolve("sshd_config");
    Files.writeString(conf, String.join("\n",
        "Port 2222",
        "Port 2223",
        "ListenAddress 203.0.113.10",
        "HostKey " + dir.resolve("hostkey"),
        "PidFile " + dir.resolve("sshd.pid"),
        "UsePAM no",
        "StrictModes no",
        "PermitRootLogin yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
        "Match LocalPort 2222",
        "  ForceCommand " + script + " -n",
        "Match LocalPort 2223",
        "  ForceCommand " + script + " -l " + allow, ""));

    lab = Lab.uniqueName("ssh");
    run(bin("lab/natlab"), "up", lab);
    agent = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", "/dev/null", "-i", "lan0",
        "--listen", "203.0.113.1", "--allow", "203.0.113.10/32"));
    agent.awaitOutput(s -> s.contains("capturing on lan0"), WAIT);
    sshd = Lab.start(in(lab + "-s", "/usr/sbin/sshd", "-D", "-e", "-f", conf.toString()));
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!run(in(lab + "-s", "ss", "-Htln", "sport = :2223")).contains(":2223")) {
      if (System.nanoTime() > deadline || !sshd.process.isAlive()) {
        fail("sshd is not listening:\n" + sshd.output());
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    for (Lab.Background b : new Lab.Background[] {sshd, agent}) {
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

  private Lab.Result login(String host, int port) {
    return Lab.exec(WAIT, in(host, "ssh", "-p", Integer.toString(port),
        "-i", dir.resolve("key").toString(), "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
        "-o", "LogLevel=ERROR", "root@203.0.113.10", "echo " + MARKER));
  }

  /** Returns the script's syslog line for a root login via the router ending in {@code tail}. */
  private String awaitLine(String tail) throws Exception {
    return syslog.await(l -> l.startsWith("authpriv.notice trackpeer-ssh")
        && l.contains(": user=root from=203.0.113.1:") && l.endsWith(tail),
        "line ending '" + tail + "'", WAIT);
  }

  @Test
  void recordOnly_loginFromHostA_logsItsMacAndRuns() throws Exception {
    Lab.Result r = login(lab + "-a", 2222);
    assertEquals(0, r.exit(), r.err() + "\nsshd:\n" + sshd.output());
    assertEquals(MARKER + "\n", r.out());
    awaitLine(" mac=" + HOST_A_MAC + " status=0");
  }

  @Test
  void enforce_unlistedHostB_isRefusedAndLogged() throws Exception {
    Lab.Result r = login(lab + "-b", 2223);
    assertNotEquals(0, r.exit(), r.out());
    assertFalse(r.out().contains(MARKER), r.out());
    assertTrue(r.err().contains("not allowed to log in here"), r.err());
    awaitLine(" mac=" + HOST_B_MAC + " status=30");
  }

  @Test
  void enforce_listedHostA_runsTheCommand() throws Exception {
    Lab.Result r = login(lab + "-a", 2223);
    assertEquals(0, r.exit(), r.err() + "\nsshd:\n" + sshd.output());
    assertEquals(MARKER + "\n", r.out());
    String line = awaitLine(" mac=" + HOST_A_MAC + " status=0");
    assertFalse(line.contains(HOST_B_MAC), line);
  }
}
