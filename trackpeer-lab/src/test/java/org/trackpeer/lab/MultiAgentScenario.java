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
import org.junit.jupiter.api.Test;

/**
 * One client, two agents: the NAT lab's router captures live, and a second agent in the
 * server's namespace replays a capture file on loopback. The client's configuration knows
 * neither network of the NAT address, so it asks both; the router's agent finds the flow.
 */
final class MultiAgentScenario {
  private static final String HOST_A_MAC = "02:00:5e:00:01:01";

  @Test
  void unknownSource_bothAgentsAsked_routerFindsIt() throws Exception {
    Lab.assumeLab();
    Path capture = Lab.ROOT.resolveSibling("shared/corpus/tcpdump-tests")
        .resolve("HSRP_failover.pcap");
    assumeTrue(Files.isRegularFile(capture), "test corpus not found: " + capture);
    String lab = Lab.uniqueName("two");
    Path conf = Files.createTempFile("trackpeer-client", ".conf");
    Path peers = Files.createTempFile("peers", ".txt");
    Lab.Background router = null;
    Lab.Background replay = null;
    Lab.Background server = null;
    try {
      Files.writeString(conf, "agent 192.0.2.0/24 = 203.0.113.1:7709\n"
          + "agent 198.51.100.0/24 = 127.0.0.1:7710\n");
      run(bin("lab/natlab"), "up", lab);
      server = Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:23,reuseaddr,fork",
          "SYSTEM:echo tcp $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers));
      router = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", "/dev/null", "-i", "lan0",
          "--listen", "203.0.113.1", "--allow", "203.0.113.10/32"));
      replay = Lab.start(in(lab + "-s", bin("bin/trackpeerd"), "-c", "/dev/null", "-r",
          capture.toString(), "-p", "7710"));
      router.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));
      replay.awaitOutput(s -> s.contains("answering queries"), Duration.ofSeconds(30));

      long connectedAt = System.currentTimeMillis() / 1000;
      run(in(lab + "-a", "socat", "-u", "OPEN:/dev/null",
          "TCP:203.0.113.10:23,sourceport=49600,connect-timeout=5"));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!Files.readString(peers).contains("49600")) {
        assertTrue(System.nanoTime() < deadline, "server saw nothing");
        Thread.sleep(50);
      }
      Thread.sleep(300);

      Lab.Result r = Lab.exec(Duration.ofSeconds(30), in(lab + "-s", bin("bin/trackpeer"),
          "--config", conf.toString(), "-s", "203.0.113.1:49600", "-dst", "203.0.113.10:23",
          "-time", Long.toString(connectedAt), "--json"));
      assertEquals(0, r.exit(), r.out() + r.err());
      assertTrue(r.out().contains("\"mac\":\"" + HOST_A_MAC + "\""), r.out());
      assertTrue(r.out().contains("203.0.113.1:7709"), "answering agent named: " + r.out());

      String replayStats = run(in(lab + "-s", bin("bin/trackpeer"), "--stats", "-a",
          "127.0.0.1:7710"));
      assertTrue(replayStats.matches("(?s).*\\nqueries_(not_found|outside_window) 1\\n.*"),
          "the replaying agent was asked too:\n" + replayStats);

      // --listen names 203.0.113.1; the router's agent answers on loopback all the same
      assertTrue(router.output().contains("answering queries on port 7709 (127.0.0.1, "),
          router.output());
      String routerStats = run(in(lab + "-r", bin("bin/trackpeer"), "--stats", "-a",
          "127.0.0.1"));
      assertTrue(routerStats.lines().anyMatch("ready 1"::equals), routerStats);
    } finally {
      for (Lab.Background b : new Lab.Background[] {router, replay, server}) {
        if (b != null) {
          b.close();
        }
      }
      Lab.exec(Duration.ofSeconds(60), bin("lab/natlab"), "down", lab);
      Files.deleteIfExists(conf);
      Files.deleteIfExists(peers);
    }
  }
}
