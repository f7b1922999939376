package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The agent runs as user nobody with CAP_NET_RAW alone (setpriv: ambient, inheritable and
 * bounding sets reduced to it), without maclog and without a writable state directory, and
 * still captures and answers a real query.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class LeastPrivilegeScenario {
  private String lab;
  private Path peers;
  private Lab.Background agent;
  private Lab.Background tcpServer;
  private long connectedAt;

  @BeforeAll
  void buildLabAndTalk() throws Exception {
    Lab.assumeLab();
    lab = Lab.uniqueName("lp");
    run(bin("lab/natlab"), "up", lab);
    peers = Files.createTempFile("peers", ".txt");
    tcpServer = Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:23,reuseaddr,fork",
        "SYSTEM:echo tcp $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers));
    List<String> cmd = new ArrayList<>(List.of("env",
        "TRACKPEERD_JAVA_OPTS=-Xms64m -XX:+UseSerialGC -XX:-UsePerfData",
        "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
        "--inh-caps=-all,+net_raw", "--ambient-caps=-all,+net_raw",
        "--bounding-set=-all,+net_raw", "--no-new-privs",
        bin("bin/trackpeerd"), "-c", "/dev/null", "-i", "lan0",
        "--listen", "127.0.0.1", "--listen", "203.0.113.1", "--allow", "203.0.113.10/32",
        "--state-dir", "/nonexistent"));
    agent = Lab.start(in(lab + "-r", cmd.toArray(new String[0])));
    agent.awaitOutput(s -> s.contains("answering queries"), Duration.ofSeconds(30));
    agent.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));
    connectedAt = System.currentTimeMillis() / 1000;
    run(in(lab + "-a", "socat", "-u", "OPEN:/dev/null",
        "TCP:203.0.113.10:23,sourceport=49250,connect-timeout=5"));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Files.readAllLines(peers).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    // the capture hands frames over in blocks at most 20 ms old
    Thread.sleep(300);
  }

  @AfterAll
  void tearDown() throws Exception {
    if (lab == null) {
      return;
    }
    for (Lab.Background b : new Lab.Background[] {agent, tcpServer}) {
      if (b != null) {
        b.close();
      }
    }
    run(bin("lab/natlab"), "down", lab);
    Files.deleteIfExists(peers);
  }

  @Test
  void agentAsNobodyWithNetRaw_capturesAndAnswersFound() throws Exception {
    // ip netns exec, env, setpriv and the launcher each exec the next: one process, the JVM
    long pid = agent.process.pid();
    String status = Files.readString(Path.of("/proc/" + pid + "/status"));
    assertTrue(status.contains("Uid:\t65534\t65534\t65534\t65534"), status);
    assertTrue(status.contains("CapEff:\t0000000000002000"), status);
    Lab.Result r = Lab.exec(Duration.ofSeconds(30), in(lab + "-s", bin("bin/trackpeer"),
        "-s", "203.0.113.1:49250", "-dst", "203.0.113.10:23",
        "-time", Long.toString(connectedAt)));
    assertEquals(0, r.exit(), r.out() + r.err() + agent.output());
    assertEquals("02:00:5e:00:01:01", r.out().lines().findFirst().orElse(""));
  }
}
