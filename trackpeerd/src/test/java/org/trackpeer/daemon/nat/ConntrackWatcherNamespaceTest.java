package org.trackpeer.daemon.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;

/**
 * The watcher against a real masquerading router in network namespaces (root only): two LAN
 * hosts connect from the same port to the same server, and the router rewrites the second.
 */
final class ConntrackWatcherNamespaceTest {
  private static final InetAddress PUBLIC = Endpoint.parseAddress("203.0.113.1");
  private static final InetAddress SERVER = Endpoint.parseAddress("203.0.113.10");
  private static final Endpoint HOST_A = Endpoint.parse("192.0.2.11:40000", true);
  private static final Endpoint HOST_B = Endpoint.parse("192.0.2.12:40000", true);

  private static NatLab lab;
  private static Path peers;

  @BeforeAll
  static void setUp() throws Exception {
    NatLab.assumeAvailable();
    lab = NatLab.up();
    // start and stop times in table reads and DESTROY events
    lab.exec("r", 10, "sysctl", "-qw", "net.netfilter.nf_conntrack_timestamp=1");
    peers = Files.createTempFile("natpeers", ".txt");
    // socat splits addresses at ':', so the peer is written as "ADDRESS PORT"
    String record = "echo $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers;
    // port 23 keeps each connection open for 5 s, so the two hosts' connections overlap
    lab.start("s", "socat", "TCP-LISTEN:23,reuseaddr,fork", "SYSTEM:" + record + "; sleep 5");
    lab.start("s", "socat", "-u", "UDP-RECVFROM:5000,fork", "SYSTEM:" + record);
    // port 24 answers with the address it saw and closes
    lab.start("s", "socat", "TCP-LISTEN:24,reuseaddr,fork,backlog=1024",
        "SYSTEM:echo $SOCAT_PEERADDR $SOCAT_PEERPORT");
    awaitTrue(() -> lab.exec("s", 10, "ss", "-Hltn").contains(":24 "), "server listening");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (lab != null) {
      lab.close();
    }
    if (peers != null) {
      Files.deleteIfExists(peers);
    }
  }

  @Test
  void watch_tcpPortCollision_mapsEachPublicPortToItsHost() throws Exception {
    TranslationLog log = new TranslationLog(System::nanoTime);
    try (ConntrackWatcher w = ConntrackWatcher.open(lab.netns("r"), log)) {
      long from = wallNanos();
      List<Integer> ports = collide("TCP:203.0.113.10:23", "TCP-LISTEN:23");
      long to = wallNanos();
      assertEquals(40000, ports.get(0), "the first host keeps its port");
      assertNotEquals(40000, ports.get(1), "the router rewrites the second host's port");
      assertMapped(log, 6, ports.get(0), 23, from, to, HOST_A);
      assertMapped(log, 6, ports.get(1), 23, from, to, HOST_B);
      assertTrue(w.stats().events() >= 2, "events read: " + w.stats());
    }
  }

  @Test
  void watch_udpPortCollision_mapsEachPublicPortToItsHost() throws Exception {
    TranslationLog log = new TranslationLog(System::nanoTime);
    try (ConntrackWatcher w = ConntrackWatcher.open(lab.netns("r"), log)) {
      long from = wallNanos();
      List<Integer> ports = collide("UDP:203.0.113.10:5000", "UDP-RECVFROM:5000");
      long to = wallNanos();
      assertEquals(40000, ports.get(0));
      assertNotEquals(40000, ports.get(1));
      assertMapped(log, 17, ports.get(0), 5000, from, to, HOST_A);
      assertMapped(log, 17, ports.get(1), 5000, from, to, HOST_B);
    }
  }

  @Test
  void watch_fourHundredConnections_mapsEveryOne() throws Exception {
    TranslationLog log = new TranslationLog(System::nanoTime);
    try (ConntrackWatcher w = ConntrackWatcher.open(lab.netns("r"), log)) {
      long from = wallNanos();
      List<Connection> seen = load(41000);
      awaitTrue(() -> w.stats().events() >= seen.size(), "events for every connection");
      long to = wallNanos();
      assertEquals(400, seen.size(), "connections answered");
      assertEveryMapped(log, seen);
      if (w.stats().lossEvents() > 0) {
        assertTrue(log.incomplete(from, to), "a loss must make the window incomplete");
      }
    }
  }

  @Test
  void watch_tinyReceiveBuffer_reportsLossAndResynchronises() throws Exception {
    TranslationLog log = new TranslationLog(System::nanoTime);
    ConntrackWatcher.Settings small =
        ConntrackWatcher.Settings.defaults().withReceiveBufferBytes(1024);
    try (ConntrackWatcher w = ConntrackWatcher.open(lab.netns("r"), log, small)) {
      // a reader that falls behind: 800 events into a buffer of a few, so the kernel drops
      w.holdReading(true);
      long from = wallNanos();
      List<Connection> seen = load(43000);
      long to = wallNanos();
      assertEquals(0, w.stats().lossEvents(), "nothing is read while held");
      w.holdReading(false);
      awaitTrue(() -> log.stats().lossEvents() >= 1, "the loss marked in the log");
      assertTrue(w.stats().lossEvents() >= 1, "loss counted: " + w.stats());
      assertTrue(log.stats().resyncs() >= 1, "a resynchronisation: " + log.stats());
      assertTrue(w.stats().dumps() >= 2, "the start-up read and the one after the loss");
      assertTrue(log.incomplete(from, from), "the loss window starts before the held reads");
      assertTrue(log.incomplete(to, to), "the loss window lasts past the burst");
      assertFalse(log.incomplete(from - 60_000_000_000L, from - 30_000_000_000L),
          "the window before the hold is complete");
      // connections in TIME_WAIT are still in the table, so the re-read learns them again,
      // at their start times: also those whose NEW event was read late, after the hold. The
      // kernel may give the tuple of a TIME_WAIT connection to a new one, replacing the old
      // entry: such a connection is gone before the re-read, and only the last connection of
      // each public port can be learned.
      assertEveryMapped(log, lastOfEachPublicPort(seen));
    }
  }

  /** A connects from port 40000, then B; returns the public ports the server saw, in order. */
  private static List<Integer> collide(String target, String serverAddress) throws Exception {
    Files.writeString(peers, "");
    String client = target + ",sourceport=40000,reuseaddr";
    List<Integer> ports = new ArrayList<>();
    int lines = 0;
    for (String node : List.of("a", "b")) {
      int want = ++lines;
      if (target.startsWith("TCP")) {
        lab.start(node, "socat", "-u", client, "OPEN:/dev/null");
      } else {
        // a datagram may be missed while the server forks; send again from the same port
        for (int i = 0; i < 5 && lineCount() < want; i++) {
          lab.exec(node, 10, "bash", "-c", "echo hello | socat -u - " + client);
          waitUntil(() -> lineCount() >= want, 2_000_000_000L);
        }
      }
      awaitTrue(() -> lineCount() >= want, "server saw host " + node + " (" + serverAddress + ")");
    }
    for (String line : Files.readAllLines(peers)) {
      Endpoint peer = peer(line);
      assertEquals(PUBLIC, peer.address(), "masqueraded address");
      ports.add(peer.port());
    }
    return ports;
  }

  /** Parses "ADDRESS PORT" as the server wrote it. */
  private static Endpoint peer(String line) {
    String[] parts = line.trim().split(" ");
    return new Endpoint(Endpoint.parseAddress(parts[0]), Integer.parseInt(parts[1]));
  }

  private static int lineCount() {
    try {
      return Files.readAllLines(peers).size();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  /**
   * One connection of the load: the inside endpoint, the public port the server saw, and wall
   * clock times taken just before and after it.
   */
  private record Connection(Endpoint inside, int publicPort, long beforeNanos, long afterNanos) {}

  /** Hosts a and b each open 200 connections from ports base.. at the same time. */
  private static List<Connection> load(int base) throws Exception {
    String loop = "for p in $(seq " + base + " " + (base + 199) + "); do "
        + "echo \"$p $(date +%s%N) $(socat -T2 -u TCP:203.0.113.10:24,sourceport=$p,reuseaddr"
        + " STDOUT) $(date +%s%N)\"; "
        + "done";
    List<Process> clients = new ArrayList<>();
    List<Path> outputs = new ArrayList<>();
    for (String node : List.of("a", "b")) {
      Path out = Files.createTempFile("natload", ".txt");
      outputs.add(out);
      clients.add(new ProcessBuilder("ip", "netns", "exec", lab.name + "-" + node,
          "bash", "-c", loop).redirectOutput(out.toFile()).redirectErrorStream(true).start());
    }
    List<Connection> seen = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Process p = clients.get(i);
      if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("load clients took longer than 120 s");
      }
      String host = i == 0 ? "192.0.2.11" : "192.0.2.12";
      for (String line : Files.readAllLines(outputs.get(i))) {
        String[] parts = line.trim().split(" ");
        if (parts.length == 5) {
          seen.add(new Connection(Endpoint.parse(host + ":" + parts[0], true),
              Integer.parseInt(parts[3]), Long.parseLong(parts[1]), Long.parseLong(parts[4])));
        }
      }
      Files.deleteIfExists(outputs.get(i));
    }
    return seen;
  }

  /** Returns, of the connections that got the same public port, the last one. */
  private static List<Connection> lastOfEachPublicPort(List<Connection> seen) {
    Map<Integer, Connection> last = new HashMap<>();
    for (Connection c : seen) {
      last.merge(c.publicPort(), c, (a, b) -> a.beforeNanos() > b.beforeNanos() ? a : b);
    }
    return new ArrayList<>(last.values());
  }

  /**
   * Checks that the translation of every connection is known at the time it was made. A public
   * port can serve another connection moments later (TIME_WAIT entries are reused), and events
   * are stamped when read, a little after the fact, so the answer for a connection's window
   * (with one second of slack) must contain it, but may hold a neighbour in time too.
   */
  private static void assertEveryMapped(TranslationLog log, List<Connection> seen)
      throws Exception {
    awaitTrue(() -> seen.stream().allMatch(c -> !find(log, c).isEmpty()),
        "a translation for every connection");
    for (Connection c : seen) {
      List<Translation> found = find(log, c);
      assertTrue(found.stream().anyMatch(t -> t.inside().equals(c.inside())),
          "public port " + c.publicPort() + " of " + c.inside() + ": " + found);
    }
  }

  private static List<Translation> find(TranslationLog log, Connection c) {
    return log.find(6, PUBLIC, c.publicPort(), SERVER, 24, c.beforeNanos(),
        c.afterNanos() + 1_000_000_000L);
  }

  private static void assertMapped(TranslationLog log, int protocol, int publicPort,
      int serverPort, long from, long to, Endpoint inside) throws Exception {
    awaitTrue(() -> !log.find(protocol, PUBLIC, publicPort, SERVER, serverPort, from, to)
        .isEmpty(), "translation of public port " + publicPort);
    List<Translation> found = log.find(protocol, PUBLIC, publicPort, SERVER, serverPort, from, to);
    assertEquals(1, found.size(), "translations of public port " + publicPort + ": " + found);
    Translation t = found.get(0);
    assertEquals(inside, t.inside());
    assertEquals(new Endpoint(PUBLIC, publicPort), t.outside());
    assertEquals(new Endpoint(SERVER, serverPort), t.destination());
    assertEquals(Evidence.TRANSLATION, t.evidence());
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws Exception {
    if (!waitUntil(condition, 15_000_000_000L)) {
      throw new AssertionError("timed out waiting for " + what);
    }
  }

  private static boolean waitUntil(BooleanSupplier condition, long limitNanos)
      throws InterruptedException {
    long deadline = System.nanoTime() + limitNanos;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  private static long wallNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
