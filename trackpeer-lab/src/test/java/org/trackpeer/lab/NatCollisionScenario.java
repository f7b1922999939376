package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * The collision case: hosts a and b both connect from their port 40000 to the same server
 * port, a few seconds apart, while a's connection is still in the router's connection table.
 * The router keeps 40000 for a and gives b another public port. Two agents answer: one on the
 * router, following its connection tracking, and one on a capture box that sees mirrored copies
 * of the router's LAN and WAN traffic (tc mirred) and pairs outside flows with inside ones.
 * Both must name a for 40000 and b for the rewritten port, with evidence of the translation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class NatCollisionScenario {
  private static final String MAC_A = "02:00:5e:00:01:01";
  private static final String MAC_B = "02:00:5e:00:01:02";

  private String lab;
  private String box;
  private Path peers;
  private final List<Lab.Background> running = new ArrayList<>();
  private long connectedAt;

  @BeforeAll
  void collide() throws Exception {
    Lab.assumeLab();
    lab = Lab.uniqueName("col");
    box = lab + "-c";
    run(bin("lab/natlab"), "up", lab);
    mirrorIntoCaptureBox();
    peers = Files.createTempFile("peers", ".txt");
    running.add(Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:23,reuseaddr,fork",
        "SYSTEM:echo tcp $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers + "; sleep 20")));
    running.add(Lab.start(in(lab + "-s", "socat", "-u", "UDP-RECVFROM:5353,fork",
        "SYSTEM:echo udp $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers)));

    Lab.Background router = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", "/dev/null",
        "-i", "lan0", "--conntrack", "on", "--listen", "203.0.113.1",
        "--allow", "203.0.113.10/32"));
    running.add(router);
    Lab.Background capture = Lab.start(in(box, bin("bin/trackpeerd"), "-c", "/dev/null",
        "-i", "mirlan", "--outside-interface", "mirwan", "--nat-address", "203.0.113.1",
        "--conntrack", "off", "--ignore-mac", "02:00:5e:00:00:01",
        "--listen", "127.0.0.1"));
    running.add(capture);
    router.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));
    router.awaitOutput(s -> s.contains("following connection tracking"), Duration.ofSeconds(30));
    capture.awaitOutput(s -> s.contains("capturing on mirwan"), Duration.ofSeconds(30));
    capture.awaitOutput(s -> s.contains("capturing on mirlan"), Duration.ofSeconds(30));

    connectedAt = System.currentTimeMillis() / 1000;
    tcp(lab + "-a", 40000);
    awaitPeer("tcp", 1);
    Thread.sleep(1000);
    tcp(lab + "-b", 40000);
    awaitPeer("tcp", 2);
    udp(lab + "-a", 40001, 1);
    udp(lab + "-b", 40001, 2);
    Thread.sleep(500);
  }

  /** A capture namespace gets copies of every frame on the router's LAN ports and WAN port. */
  private void mirrorIntoCaptureBox() {
    String r = lab + "-r";
    run("ip", "netns", "add", box);
    run("ip", "-n", box, "link", "set", "lo", "up");
    String[][] pairs = {{"mirl", "mirlan"}, {"mirw", "mirwan"}};
    for (String[] p : pairs) {
      run("ip", "-n", r, "link", "add", p[0], "type", "veth", "peer", "name", p[1], "netns", box);
      run("ip", "-n", r, "link", "set", p[0], "up");
      run("ip", "-n", box, "link", "set", p[1], "up");
    }
    mirror(r, "lan0p1", "mirl");
    mirror(r, "lan0p2", "mirl");
    mirror(r, "wan0", "mirw");
  }

  /** Mirrors both directions of {@code dev} to {@code to} (clsact and u32: what this kernel has). */
  private static void mirror(String ns, String dev, String to) {
    run("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "clsact");
    for (String direction : new String[] {"ingress", "egress"}) {
      run("ip", "netns", "exec", ns, "tc", "filter", "add", "dev", dev, direction,
          "protocol", "all", "u32", "match", "u8", "0", "0", "action", "mirred", "egress",
          "mirror", "dev", to);
    }
  }

  private static void tcp(String host, int port) {
    run(in(host, "socat", "-u", "OPEN:/dev/null",
        "TCP:203.0.113.10:23,sourceport=" + port + ",connect-timeout=5"));
  }

  /** Sends from {@code port} until the server has noted {@code n} UDP peers. */
  private void udp(String host, int port, int n) throws Exception {
    for (int attempt = 0; attempt < 10; attempt++) {
      run(in(host, "sh", "-c", "echo hello-" + host
          + " | socat -u - UDP-SENDTO:203.0.113.10:5353,sourceport=" + port));
      long deadline = System.nanoTime() + 1_000_000_000L;
      while (System.nanoTime() < deadline) {
        if (peers("udp").size() >= n) {
          return;
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError("server saw udp " + peers("udp"));
  }

  private List<String> peers(String proto) throws Exception {
    List<String> out = new ArrayList<>();
    for (String l : Files.readAllLines(peers)) {
      String[] f = l.split(" ");
      if (f[0].equals(proto)) {
        out.add(f[1] + ":" + f[2]);
      }
    }
    return out;
  }

  private void awaitPeer(String proto, int n) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (peers(proto).size() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("server saw " + peers(proto));
      }
      Thread.sleep(50);
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    if (lab == null) {
      return;
    }
    for (Lab.Background b : running) {
      b.close();
    }
    Lab.exec(Duration.ofSeconds(30), "ip", "netns", "del", box);
    run(bin("lab/natlab"), "down", lab);
    if (peers != null) {
      Files.deleteIfExists(peers);
    }
  }

  private Lab.Result ask(String ns, String agent, String proto, String peer, int port) {
    return Lab.exec(Duration.ofSeconds(30), in(ns, bin("bin/trackpeer"), "-a", agent,
        "-p", proto, "-v", "-s", peer, "-dst", "203.0.113.10:" + port,
        "-time", Long.toString(connectedAt)));
  }

  private void assertAnswers(String ns, String agent, String proto, int port, String evidence)
      throws Exception {
    List<String> seen = peers(proto);
    assertEquals(2, seen.size(), seen.toString());
    String first = seen.get(0);
    String second = seen.get(1);
    assertNotEquals(first, second, "the router did not rewrite the colliding port");
    Lab.Result a = ask(ns, agent, proto, first, port);
    assertEquals(0, a.exit(), a.out() + a.err());
    assertEquals(MAC_A, a.out().lines().findFirst().orElse(""));
    assertTrue(a.out().contains("evidence=" + evidence), a.out());
    Lab.Result b = ask(ns, agent, proto, second, port);
    assertEquals(0, b.exit(), b.out() + b.err());
    assertEquals(MAC_B, b.out().lines().findFirst().orElse(""));
    assertTrue(b.out().contains("evidence=" + evidence), b.out());
  }

  @Test
  void tcpCollision_agentOnRouter_answersByConnectionTracking() throws Exception {
    assertAnswers(lab + "-s", "203.0.113.1", "tcp", 23, "translation");
  }

  @Test
  void udpCollision_agentOnRouter_answersByConnectionTracking() throws Exception {
    assertAnswers(lab + "-s", "203.0.113.1", "udp", 5353, "translation");
  }

  @Test
  void tcpCollision_captureBox_answersByPairing() throws Exception {
    assertAnswers(box, "127.0.0.1", "tcp", 23, "paired_capture");
  }

  @Test
  void udpCollision_captureBox_answersByPairing() throws Exception {
    assertAnswers(box, "127.0.0.1", "udp", 5353, "paired_capture");
  }
}
