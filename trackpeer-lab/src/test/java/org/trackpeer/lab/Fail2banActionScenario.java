package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The fail2ban action script of docs/examples/fail2ban, run as fail2ban would run it on the
 * server after a ban: once with an sshd-style failure line giving the source port, once
 * without any line (wildcard fallback). The fail2ban daemon itself is not started.
 */
final class Fail2banActionScenario {
  private static final String HOST_A_MAC = "02:00:5e:00:01:01";

  @Test
  void bannedAddress_withAndWithoutLoggedPort_recordsTheMac() throws Exception {
    Lab.assumeLab();
    String lab = Lab.uniqueName("f2b");
    Path authlog = Files.createTempFile("auth", ".log");
    Path empty = Files.createTempFile("empty", ".log");
    Path logline = Files.createTempFile("logline", ".sh");
    Lab.Background agent = null;
    Lab.Background sshd = null;
    try {
      Files.writeString(logline, "echo \"$(date -Iseconds) srv sshd[7]: Failed password for root"
          + " from $SOCAT_PEERADDR port $SOCAT_PEERPORT ssh2\" >> " + authlog + "\n");
      run(bin("lab/natlab"), "up", lab);
      sshd = Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:22,reuseaddr,fork",
          "SYSTEM:sh " + logline));
      agent = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", "/dev/null", "-i", "lan0",
          "--listen", "203.0.113.1", "--allow", "203.0.113.10/32", "--wildcard"));
      agent.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));

      run(in(lab + "-a", "socat", "-u", "OPEN:/dev/null",
          "TCP:203.0.113.10:22,sourceport=49700,connect-timeout=5"));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!Files.readString(authlog).contains("port 49700")) {
        assertTrue(System.nanoTime() < deadline, "no log line: " + Files.readString(authlog));
        Thread.sleep(50);
      }
      Thread.sleep(300);

      String script = bin("docs/examples/fail2ban/trackpeer-banned.sh");
      String exact = run(in(lab + "-s", "env", "TRACKPEER=" + bin("bin/trackpeer"),
          "TRACKPEER_AUTHLOG=" + authlog, "TRACKPEER_AGENT=203.0.113.1", script,
          "203.0.113.1", "22", "203.0.113.10"));
      assertTrue(exact.startsWith("banned=203.0.113.1 port=49700 time="), exact);
      assertTrue(exact.strip().endsWith("mac=" + HOST_A_MAC + " status=0"), exact);

      String wildcard = run(in(lab + "-s", "env", "TRACKPEER=" + bin("bin/trackpeer"),
          "TRACKPEER_AUTHLOG=" + empty, "TRACKPEER_AGENT=203.0.113.1", script,
          "203.0.113.1", "22", "203.0.113.10"));
      assertEquals("banned=203.0.113.1 wildcard mac=" + HOST_A_MAC + " status=0",
          wildcard.strip());
    } finally {
      for (Lab.Background b : new Lab.Background[] {agent, sshd}) {
        if (b != null) {
          b.close();
        }
      }
      Lab.exec(Duration.ofSeconds(60), bin("lab/natlab"), "down", lab);
      Files.deleteIfExists(authlog);
      Files.deleteIfExists(empty);
      Files.deleteIfExists(logline);
    }
  }
}
