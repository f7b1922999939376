package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two LAN hosts behind a masquerading router open TCP connections and send UDP datagrams to a
 * server. The server records the peer address it saw (the router's public address) and asks
 * the agent on the router which computer it was. The agent captures the router's LAN bridge.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class NatScenario {
  private static final String HOST_A_MAC = "02:00:5e:00:01:01";
  private static final String HOST_B_MAC = "02:00:5e:00:01:02";

  private String lab;
  private Path peers;
  private Lab.Background agent;
  private Lab.Background tcpServer;
  private Lab.Background udpServer;
  private Lab.Background tcp6Server;
  private long connectedAt;

  @BeforeAll
  void buildLabAndTalk() throws Exception {
    Lab.assumeLab();
    lab = Lab.uniqueName("nat");
    run(bin("lab/natlab"), "up", lab);
    peers = Files.createTempFile("peers", ".txt");
    tcpServer = Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:23,reuseaddr,fork",
        "SYSTEM:echo tcp $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers));
    udpServer = Lab.start(in(lab + "-s", "socat", "-u", "UDP-RECVFROM:5353,fork",
        "SYSTEM:echo udp $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers));
    tcp6Server = Lab.start(in(lab + "-s", "socat", "TCP6-LISTEN:23,reuseaddr,fork,ipv6only=1",
        "SYSTEM:echo tcp6 $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers));
    agent = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", "/dev/null", "-i", "lan0",
        "--listen", "127.0.0.1", "--listen", "203.0.113.1", "--listen", "192.0.2.1",
        "--listen", "2001:db8:2::1", "--allow", "203.0.113.10/32",
        "--allow", "2001:db8:2::10/128"));
    agent.awaitOutput(s -> s.contains("answering queries"), Duration.ofSeconds(30));
    agent.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));

    connectedAt = System.currentTimeMillis() / 1000;
    tcp(lab + "-a", 49200);
    tcp(lab + "-b", 49300);
    run(in(lab + "-a", "socat", "-u", "OPEN:/dev/null",
        "TCP6:[2001:db8:2::10]:23,sourceport=49500,connect-timeout=5"));
    awaitLines(peers, 3, Duration.ofSeconds(10));
    udpUntilSeen(lab + "-a", 49201);
    udpUntilSeen(lab + "-b", 49301);
    // the capture hands frames over in blocks at most 20 ms old
    Thread.sleep(300);
  }

  private static void tcp(String host, int port) {
    run(in(host, "socat", "-u", "OPEN:/dev/null",
        "TCP:203.0.113.10:23,sourceport=" + port + ",connect-timeout=5"));
  }

  private static void udp(String host, int port) {
    run(in(host, "sh", "-c",
        "echo hello | socat -u - UDP-SENDTO:203.0.113.10:5353,sourceport=" + port));
  }

  /** Sends a datagram until the server notes it: socat's forking UDP server may miss one. */
  private void udpUntilSeen(String host, int port) throws Exception {
    for (int attempt = 0; attempt < 10; attempt++) {
      udp(host, port);
      long deadline = System.nanoTime() + 1_000_000_000L;
      while (System.nanoTime() < deadline) {
        if (Files.readAllLines(peers).contains("udp 203.0.113.1 " + port)) {
          return;
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError("server never saw udp from port " + port);
  }

  private static void awaitLines(Path file, int n, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.readAllLines(file).size() >= n) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("server saw " + Files.readAllLines(file));
  }

  @AfterAll
  void tearDown() throws Exception {
    if (lab == null) {
      return;
    }
    for (Lab.Background b : new Lab.Background[] {agent, tcpServer, udpServer, tcp6Server}) {
      if (b != null) {
        b.close();
      }
    }
    run(bin("lab/natlab"), "down", lab);
    Files.deleteIfExists(peers);
  }

  /** Returns the peer address the server saw for {@code proto} from the inside port. */
  private String seenPeer(String proto, int insidePort) throws Exception {
    // logged as "proto address port": socat takes ':' in a SYSTEM command as a separator
    List<String> lines = Files.readAllLines(peers);
    for (String l : lines) {
      if (l.equals(proto + " 203.0.113.1 " + insidePort)) {
        return "203.0.113.1:" + insidePort;
      }
    }
    throw new AssertionError("no " + proto + " peer with port " + insidePort + " in " + lines);
  }

  private Lab.Result ask(String fromNs, String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = bin("bin/trackpeer");
    System.arraycopy(args, 0, cmd, 1, args.length);
    return Lab.exec(Duration.ofSeconds(30), in(fromNs, cmd));
  }

  @Test
  void tcpConnections_fromEachHost_nameTheRightMac() throws Exception {
    String peerA = seenPeer("tcp", 49200);
    String peerB = seenPeer("tcp", 49300);
    Lab.Result a = ask(lab + "-s", "-s", peerA, "-dst", "203.0.113.10:23",
        "-time", Long.toString(connectedAt));
    assertEquals(0, a.exit(), a.out() + a.err());
    assertEquals(HOST_A_MAC, a.out().lines().findFirst().orElse(""));
    Lab.Result b = ask(lab + "-s", "-s", peerB, "-dst", "203.0.113.10:23",
        "-time", Long.toString(connectedAt));
    assertEquals(0, b.exit(), b.out() + b.err());
    assertEquals(HOST_B_MAC, b.out().lines().findFirst().orElse(""));
  }

  @Test
  void udpDatagrams_fromEachHost_nameTheRightMacAndInsideAddress() throws Exception {
    Lab.Result a = ask(lab + "-s", "-udp", "-s", seenPeer("udp", 49201),
        "-dst", "203.0.113.10:5353", "-time", Long.toString(connectedAt), "--json");
    assertEquals(0, a.exit(), a.out() + a.err());
    assertTrue(a.out().contains("\"result\":\"found\""), a.out());
    assertTrue(a.out().contains("\"mac\":\"" + HOST_A_MAC + "\""), a.out());
    assertTrue(a.out().contains("\"inside_address\":\"192.0.2.11\",\"inside_port\":49201"),
        a.out());
    Lab.Result b = ask(lab + "-s", "-p", "udp", "-s", seenPeer("udp", 49301),
        "-dst", "203.0.113.10:5353", "-time", Long.toString(connectedAt), "--json");
    assertEquals(0, b.exit(), b.out() + b.err());
    assertTrue(b.out().contains("\"mac\":\"" + HOST_B_MAC + "\""), b.out());
    assertTrue(b.out().contains("\"inside_address\":\"192.0.2.12\",\"inside_port\":49301"),
        b.out());
  }

  @Test
  void verboseAnswer_tellsInsideAddressAndEvidence() throws Exception {
    Lab.Result a = ask(lab + "-s", "-v", "-s", seenPeer("tcp", 49200), "-dst",
        "203.0.113.10:23", "-time", Long.toString(connectedAt));
    assertEquals(0, a.exit(), a.out() + a.err());
    assertTrue(a.out().contains("192.0.2.11:49200"), a.out());
    // the agent runs as root on the router: it follows connection tracking
    assertTrue(a.out().contains("evidence=translation"), a.out());
  }

  @Test
  void routedIpv6WithoutNat_matchesTheWholeFiveTuple() throws Exception {
    // socat prints the address in full: the server saw the host's own address, no NAT
    String seen = "tcp6 [2001:0db8:0001:0000:0000:0000:0000:0011] 49500";
    assertTrue(Files.readAllLines(peers).contains(seen), Files.readAllLines(peers).toString());
    Lab.Result a = ask(lab + "-s", "-a", "[2001:db8:2::1]", "-v", "-s", "[2001:db8:1::11]:49500",
        "-dst", "[2001:db8:2::10]:23", "-time", Long.toString(connectedAt));
    assertEquals(0, a.exit(), a.out() + a.err());
    assertEquals(HOST_A_MAC, a.out().lines().findFirst().orElse(""));
    assertTrue(a.out().contains("evidence=five_tuple"), a.out());
    Lab.Result other = ask(lab + "-s", "-a", "[2001:db8:2::1]", "-s", "[2001:db8:1::12]:49500",
        "-dst", "[2001:db8:2::10]:23", "-time", Long.toString(connectedAt));
    assertEquals(11, other.exit(), other.out() + other.err());
  }

  @Test
  void flowThatNeverHappened_isNotFound() {
    Lab.Result r = ask(lab + "-s", "-s", "203.0.113.1:40999", "-dst", "203.0.113.10:23",
        "-time", Long.toString(connectedAt));
    assertEquals(11, r.exit(), r.out() + r.err());
    assertEquals("", r.out().lines().findFirst().orElse(""));
  }

  @Test
  void timeOlderThanRetention_isOutsideWindow() throws Exception {
    Lab.Result r = ask(lab + "-s", "-s", seenPeer("tcp", 49200), "-dst", "203.0.113.10:23",
        "-time", Long.toString(connectedAt - 3600));
    assertEquals(13, r.exit(), r.out() + r.err());
  }

  @Test
  void clientNotAllowed_isRefused() throws Exception {
    // host a is a LAN host; the agent answers only the server 203.0.113.10
    Lab.Result r = ask(lab + "-a", "-a", "192.0.2.1", "-s", seenPeer("tcp", 49200),
        "-dst", "203.0.113.10:23", "-time", Long.toString(connectedAt));
    assertEquals(15, r.exit(), r.out() + r.err());
  }
}
