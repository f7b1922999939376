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
 * SIGHUP re-reads the configuration: a LAN client refused before is answered after its network
 * joins the allow list, and a flow recorded before the reload is still found.
 */
final class ReloadScenario {
  private static final String HOST_A_MAC = "02:00:5e:00:01:01";

  @Test
  void sighup_allowListGrows_refusedClientAnsweredAndCacheKept() throws Exception {
    Lab.assumeLab();
    String lab = Lab.uniqueName("hup");
    Path conf = Files.createTempFile("trackpeerd", ".conf");
    Path peers = Files.createTempFile("peers", ".txt");
    Lab.Background agent = null;
    Lab.Background server = null;
    try {
      Files.writeString(conf, "interface = lan0\nlisten = 127.0.0.1, 203.0.113.1, 192.0.2.1\n"
          + "allow = 203.0.113.10/32\n");
      run(bin("lab/natlab"), "up", lab);
      server = Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:23,reuseaddr,fork",
          "SYSTEM:echo tcp $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers));
      agent = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", conf.toString()));
      agent.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));

      long connectedAt = System.currentTimeMillis() / 1000;
      run(in(lab + "-a", "socat", "-u", "OPEN:/dev/null",
          "TCP:203.0.113.10:23,sourceport=49500,connect-timeout=5"));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!Files.readString(peers).contains("49500")) {
        assertTrue(System.nanoTime() < deadline, "server saw nothing");
        Thread.sleep(50);
      }
      Thread.sleep(300);
      String[] query = {"-s", "203.0.113.1:49500", "-dst", "203.0.113.10:23", "-time",
          Long.toString(connectedAt)};

      assertEquals(15, ask(lab + "-a", "192.0.2.1", query).exit(), "refused before reload");

      Files.writeString(conf, "allow = 192.0.2.0/24\nport = 7710\n",
          java.nio.file.StandardOpenOption.APPEND);
      run("kill", "-HUP", Long.toString(agent.process.pid()));
      agent.awaitOutput(s -> s.contains("configuration reloaded"), Duration.ofSeconds(10));
      assertTrue(agent.output().contains("only after a restart: port\n"), agent.output());

      Lab.Result lan = ask(lab + "-a", "192.0.2.1", query);
      assertEquals(0, lan.exit(), lan.out() + lan.err() + agent.output());
      assertEquals(HOST_A_MAC, lan.out().lines().findFirst().orElse(""));
      Lab.Result srv = ask(lab + "-s", "203.0.113.1", query);
      assertEquals(0, srv.exit(), srv.out() + srv.err());
      assertTrue(agent.process.isAlive(), "SIGHUP must not stop the agent");
    } finally {
      for (Lab.Background b : new Lab.Background[] {agent, server}) {
        if (b != null) {
          b.close();
        }
      }
      Lab.exec(Duration.ofSeconds(60), bin("lab/natlab"), "down", lab);
      Files.deleteIfExists(conf);
      Files.deleteIfExists(peers);
    }
  }

  private static Lab.Result ask(String ns, String agent, String... query) {
    String[] cmd = new String[query.length + 3];
    cmd[0] = bin("bin/trackpeer");
    cmd[1] = "-a";
    cmd[2] = agent;
    System.arraycopy(query, 0, cmd, 3, query.length);
    return Lab.exec(Duration.ofSeconds(30), in(ns, cmd));
  }
}
