package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Replays a capture file of known length into an agent in its own network namespace (so its
 * loopback ports are private), asks it a known number of queries, and checks that
 * {@code trackpeer --stats} and the Prometheus endpoint report the same numbers.
 */
final class StatsScenario {
  private static final String CAPTURE = "HSRP_failover.pcap";
  private static final int QUERIES = 3;

  /** Counts the records of a classic pcap file by walking its record headers. */
  static int pcapRecords(Path file) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
      b.order(ByteOrder.BIG_ENDIAN);
    }
    int n = 0;
    int pos = 24;
    while (pos + 16 <= b.limit()) {
      int caplen = b.getInt(pos + 8);
      pos += 16 + caplen;
      n++;
    }
    assertEquals(b.limit(), pos, "records end exactly at the end of the file");
    return n;
  }

  static Map<String, Long> parse(String text, Pattern line) {
    Map<String, Long> m = new HashMap<>();
    Matcher x = line.matcher(text);
    while (x.find()) {
      m.put(x.group(1), (long) Double.parseDouble(x.group(2)));
    }
    return m;
  }

  @Test
  void replayedFile_statsAndPrometheus_countEveryFrameAndQuery() throws Exception {
    Lab.assumeLab();
    Path corpus = Lab.ROOT.resolveSibling("shared/corpus/tcpdump-tests").resolve(CAPTURE);
    assumeTrue(Files.isRegularFile(corpus), "test corpus not found: " + corpus);
    int frames = pcapRecords(corpus);
    String ns = Lab.uniqueName("tpst");
    run("ip", "netns", "add", ns);
    Lab.Background agent = null;
    try {
      run("ip", "-n", ns, "link", "set", "lo", "up");
      agent = Lab.start(in(ns, bin("bin/trackpeerd"), "-c", "/dev/null", "-r",
          corpus.toString(), "--prometheus-listen", "127.0.0.1:9277"));
      agent.awaitOutput(s -> s.contains("Prometheus metrics on"), Duration.ofSeconds(30));

      Pattern statsLine = Pattern.compile("(?m)^([a-z0-9_]+) (\\d+)$");
      Map<String, Long> stats = Map.of();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        stats = parse(run(in(ns, bin("bin/trackpeer"), "--stats", "-a", "127.0.0.1")),
            statsLine);
        if (stats.getOrDefault("frames_seen", 0L) >= frames) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals(frames, stats.get("frames_seen"), stats.toString());
      assertEquals(0L, stats.get("capture_drops"));
      assertEquals(frames, stats.get("decode_flow") + stats.getOrDefault("decode_not_ip", 0L)
          + stats.getOrDefault("decode_ip_no_ports", 0L), stats.toString());
      assertTrue(stats.get("memory_heap_used_bytes") > 0);
      long queriesBefore = sumQueries(stats);
      assertEquals(0, queriesBefore);

      for (int i = 0; i < QUERIES; i++) {
        Lab.Result r = Lab.exec(Duration.ofSeconds(30), in(ns, bin("bin/trackpeer"),
            "-a", "127.0.0.1", "-s", "192.0.2.99:" + (40000 + i), "-dst", "198.51.100.7:80"));
        assertTrue(r.exit() >= 11 && r.exit() <= 18, r.out() + r.err());
      }
      stats = parse(run(in(ns, bin("bin/trackpeer"), "--stats", "-a", "127.0.0.1")),
          statsLine);
      assertEquals(QUERIES, sumQueries(stats), stats.toString());

      String http = run(in(ns, "curl", "-sS", "--max-time", "10",
          "http://127.0.0.1:9277/metrics"));
      Map<String, Long> prom = parse(http,
          Pattern.compile("(?m)^trackpeer_([a-z0-9_]+?)(?:_total)? ([0-9.eE+]+)$"));
      assertEquals(frames, prom.get("frames_seen"), http);
      assertEquals(stats.get("decode_flow"), prom.get("decode_flow"), http);
      assertEquals(0L, prom.get("query_rejected_bad_magic"), "zero counters are exported");
      assertEquals(QUERIES, sumQueries(prom), http);
      assertEquals(1L, prom.get("ready"), http);
      assertTrue(http.contains("# TYPE trackpeer_frames_seen_total counter"), http);
      assertTrue(http.contains("# TYPE trackpeer_cache_bytes gauge"), http);
    } finally {
      if (agent != null) {
        agent.close();
      }
      Lab.exec(Duration.ofSeconds(30), "ip", "netns", "del", ns);
    }
  }

  private static long sumQueries(Map<String, Long> m) {
    long n = 0;
    for (Map.Entry<String, Long> e : m.entrySet()) {
      if (e.getKey().startsWith("queries_")) {
        n += e.getValue();
      }
    }
    return n;
  }
}
