package org.trackpeer.daemon.neigh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.daemon.syslog.DatagramReceiver;
import org.trackpeer.daemon.syslog.SyslogSink;
import org.trackpeer.daemon.syslog.SyslogSink.Facility;
import org.trackpeer.daemon.syslog.SyslogSink.Level;

final class NeighbourWatcherTest {
  private static final String A_ROW =
      Fixtures.arpRow("192.0.2.11", "0x2", "02:00:5e:00:01:01", "eth0");
  private static final String B_ROW =
      Fixtures.arpRow("192.0.2.12", "0x2", "02:00:5e:00:01:02", "eth0");

  @TempDir Path dir;

  private final MutableClock clock = new MutableClock(Instant.parse("2024-01-05T07:00:00Z"));
  private final String tag = "trackpeerd[" + ProcessHandle.current().pid() + "]: ";
  private Path arp;
  private Path ip6;
  private DatagramReceiver rx;
  private SyslogSink sink;

  @BeforeEach
  void setUp() throws Exception {
    arp = dir.resolve("arp");
    ip6 = dir.resolve("ip6");
    Files.writeString(ip6, "");
    rx = DatagramReceiver.bind(dir.resolve("log"), 20);
    sink = SyslogSink.open(dir.resolve("log"), "trackpeerd", clock,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.US_ASCII),
        Duration.ZERO);
  }

  @AfterEach
  void tearDown() throws Exception {
    sink.close();
    rx.close();
  }

  private NeighbourConfig config(int mode) {
    return NeighbourConfig.defaults(mode)
        .withIntervals(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60))
        .withStateDir(dir.resolve("state"))
        .withSources(arp, List.of("cat", ip6.toString()));
  }

  private NeighbourWatcher watcher(NeighbourConfig c) {
    NeighbourWatcher w = new NeighbourWatcher(c, sink, clock, Fixtures.vendors());
    w.prepare();
    return w;
  }

  private List<String> received() {
    assertTrue(sink.flush(Duration.ofSeconds(5)));
    List<String> out = new ArrayList<>();
    String d;
    while ((d = rx.receive()) != null) {
      out.add(d);
    }
    return out;
  }

  private void tables(String arpRows, String ip6Rows) throws Exception {
    Files.writeString(arp, Fixtures.arpHeader() + arpRows);
    Files.writeString(ip6, ip6Rows);
  }

  @Test
  void pollOnce_fixtureTables_sendsEachNewHostToSyslog() throws Exception {
    Files.writeString(arp, Fixtures.text("arp-mixed.txt"));
    Files.writeString(ip6, Fixtures.text("ip6-mixed.txt"));
    NeighbourWatcher w = watcher(config(1));
    w.pollOnce();
    List<String> got = received();
    assertEquals(6, got.size());
    assertEquals("<166>Jan  5 07:00:00 " + tag
        + "New_host if=eth0 ip=192.0.2.14 mac=00:d0:ef:00:00:14 vendor=\"IGT\" flags=permanent",
        got.get(0));
    assertEquals("<166>Jan  5 07:00:00 " + tag
        + "New_host if=eth0 ip=192.0.2.11,2001:db8:1::11 mac=02:00:5e:00:01:01 flags=local",
        got.get(4));
    NeighbourStats s = w.stats();
    assertEquals(1, s.polls());
    assertEquals(10, s.skippedLines());
    assertEquals(6, s.knownHosts());
    assertEquals(6, s.linesLogged());
    w.close();
  }

  @Test
  void close_thenRestart_noExpiryOnStopNoReannounceAndGoneHostExpires() throws Exception {
    NeighbourConfig c = config(1).withSyslog(Facility.DAEMON, Level.NOTICE);
    tables(A_ROW + B_ROW, "2001:db8:1::11 dev eth0 lladdr 02:00:5e:00:01:01 STALE\n");
    NeighbourWatcher first = watcher(c);
    first.pollOnce();
    assertEquals(List.of(
        "<29>Jan  5 07:00:00 " + tag
            + "New_host if=eth0 ip=192.0.2.11,2001:db8:1::11 mac=02:00:5e:00:01:01 flags=local",
        "<29>Jan  5 07:00:00 " + tag
            + "New_host if=eth0 ip=192.0.2.12 mac=02:00:5e:00:01:02 flags=local"), received());
    first.close();
    assertEquals(List.of(), received());
    assertEquals(List.of(NeighbourStateFile.HEADER,
        "eth0 02:00:5e:00:01:01 0 192.0.2.11,2001:db8:1::11",
        "eth0 02:00:5e:00:01:02 0 192.0.2.12"),
        Files.readAllLines(dir.resolve("state").resolve("neighbours.state")));

    clock.advance(Duration.ofMinutes(10));
    tables(B_ROW, "");
    NeighbourWatcher second = watcher(c);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      second.pollOnce();
      lines.addAll(received());
      clock.advance(Duration.ofSeconds(5));
    }
    assertEquals(List.of(), lines);
    second.pollOnce();
    assertEquals(List.of("<29>Jan  5 07:10:30 " + tag
        + "Expired_host if=eth0 ip=192.0.2.11,2001:db8:1::11 mac=02:00:5e:00:01:01 flags=local"),
        received());
    second.close();
    assertEquals(List.of(NeighbourStateFile.HEADER, "eth0 02:00:5e:00:01:02 0 192.0.2.12"),
        Files.readAllLines(dir.resolve("state").resolve("neighbours.state")));
  }

  @Test
  void pollOnce_mode2_activeHostsEveryActiveInterval() throws Exception {
    tables(A_ROW, "");
    NeighbourWatcher w = watcher(config(2));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i <= 24; i++) {
      w.pollOnce();
      for (String d : received()) {
        lines.add(d.substring(d.indexOf(':', 20) + 2));
      }
      clock.advance(Duration.ofSeconds(5));
    }
    String active = "Active_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:01 flags=local";
    assertEquals(List.of(
        "New_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:01 flags=local", active, active),
        lines);
    w.close();
  }

  @Test
  void pollOnce_mode1_noActiveLines() throws Exception {
    tables(A_ROW, "");
    NeighbourWatcher w = watcher(config(1));
    for (int i = 0; i <= 24; i++) {
      w.pollOnce();
      clock.advance(Duration.ofSeconds(5));
    }
    assertEquals(1, received().size());
    w.close();
  }

  @Test
  void pollOnce_ipCommandFails_pollAbandonedNoExpiry() throws Exception {
    tables(A_ROW, "");
    NeighbourWatcher w = watcher(config(1).withSources(arp, List.of("false")));
    for (int i = 0; i < 20; i++) {
      w.pollOnce();
      clock.advance(Duration.ofSeconds(5));
    }
    assertEquals(List.of(), received());
    assertEquals(20, w.stats().pollFailures());
    w.close();
  }

  @Test
  void pollOnce_ipCommandMissing_ipv4StillWatched() throws Exception {
    tables(A_ROW, "");
    NeighbourWatcher w =
        watcher(config(1).withSources(arp, List.of(dir.resolve("no-such-ip").toString())));
    w.pollOnce();
    assertEquals(1, received().size());
    tables("", "");
    for (int i = 0; i < 7; i++) {
      clock.advance(Duration.ofSeconds(5));
      w.pollOnce();
    }
    List<String> got = received();
    assertEquals(1, got.size());
    assertTrue(got.get(0).contains("Expired_host if=eth0 ip=192.0.2.11 "), got.get(0));
    assertEquals(0, w.stats().pollFailures());
    w.close();
  }

  @Test
  void start_realScheduler_firstPollRunsAtOnce() throws Exception {
    tables(A_ROW, "");
    NeighbourWatcher w = new NeighbourWatcher(config(1), sink, clock, Fixtures.vendors());
    w.start();
    DatagramReceiver slow = rx;
    String d = slow.receive();
    for (int i = 0; d == null && i < 500; i++) {
      d = slow.receive();
    }
    w.close();
    assertEquals("<166>Jan  5 07:00:00 " + tag
        + "New_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:01 flags=local", d);
    assertTrue(Files.exists(dir.resolve("state").resolve("neighbours.state")));
    assertNull(rx.receive());
  }
}
