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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several hundred translations in a few seconds: hosts a and b open connections from the same
 * range of source ports at the same time, so the router rewrites many of them. The server
 * echoes the public port it saw, so each host knows which public port it got. Every public port
 * is then asked about: no answer ever names the wrong host; without any loss counted (conntrack
 * events, capture drops, cache evictions) at least 95% name the right host and none says
 * incomplete; after a loss, at least 95% are right or incomplete.
 */
final class NatLoadScenario {
  private static final int CONNECTIONS_PER_HOST = 150;
  private static final String[] MACS = {"02:00:5e:00:01:01", "02:00:5e:00:01:02"};

  @TempDir Path dir;

  @Test
  void hundredsOfTranslations_incompleteOnlyAfterLoss_neverWrongMac() throws Exception {
    Lab.assumeLab();
    String lab = Lab.uniqueName("load");
    run(bin("lab/natlab"), "up", lab);
    List<Lab.Background> running = new ArrayList<>();
    try {
      running.add(Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:23,reuseaddr,fork,backlog=512",
          "SYSTEM:echo $SOCAT_PEERPORT; sleep 2")));
      // one server asks hundreds of questions at once: lift the per-client rate limit
      Path conf = dir.resolve("trackpeerd.conf");
      Files.writeString(conf, "rate-per-client = 0\nrate-total = 0\n");
      Lab.Background agent = Lab.start(in(lab + "-r", bin("bin/trackpeerd"), "-c", conf.toString(),
          "-i", "lan0", "--conntrack", "on", "--listen", "203.0.113.1", "--listen", "127.0.0.1",
          "--allow", "203.0.113.10/32"));
      running.add(agent);
      agent.awaitOutput(s -> s.contains("capturing on lan0"), Duration.ofSeconds(30));
      agent.awaitOutput(s -> s.contains("following connection tracking"), Duration.ofSeconds(30));

      long startedAt = System.currentTimeMillis() / 1000;
      String script = "for p in $(seq 41000 " + (41000 + CONNECTIONS_PER_HOST - 1) + "); do"
          + " (echo \"$p $(socat -t 5 -T 5 - TCP:203.0.113.10:23,sourceport=$p,connect-timeout=5"
          + " </dev/null)\") & done; wait";
      List<Lab.Background> hosts = List.of(
          Lab.start(in(lab + "-a", "bash", "-c", script)),
          Lab.start(in(lab + "-b", "bash", "-c", script)));
      Map<String, String> expected = new HashMap<>();
      for (int h = 0; h < 2; h++) {
        if (!hosts.get(h).process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new AssertionError("host connections did not finish");
        }
        for (String line : hosts.get(h).output().split("\n")) {
          String[] f = line.trim().split(" ");
          if (f.length == 2 && !f[1].isEmpty()) {
            expected.put("203.0.113.1:" + f[1], MACS[h]);
          }
        }
        hosts.get(h).close();
      }
      assertTrue(expected.size() >= 2 * CONNECTIONS_PER_HOST - 10,
          "only " + expected.size() + " connections got through");

      Path questions = dir.resolve("questions.txt");
      StringBuilder q = new StringBuilder();
      expected.forEach((peer, mac) -> q.append("tcp ").append(peer)
          .append(" 203.0.113.10:23 ").append(startedAt).append(' ').append(mac).append('\n'));
      Files.writeString(questions, q);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String answers = Lab.run(in(lab + "-s", java, "-cp", System.getProperty("java.class.path"),
          LoadQueries.class.getName(), "203.0.113.1", "7709", questions.toString()));

      // the stats reply leaves zero per-reason counters out, nat_* among them: absent is 0
      Map<String, Long> stats = StatsScenario.parse(
          Lab.run(in(lab + "-r", bin("bin/trackpeer"), "--stats", "-a", "127.0.0.1")),
          Pattern.compile("(?m)^([a-z0-9_]+) (\\d+)$"));
      assertTrue(stats.containsKey("frames_seen") && stats.containsKey("nat_translations"),
          "not a stats reply with the translation counters: " + stats);
      long natLoss = stats.getOrDefault("nat_loss_events", 0L);
      // the other holes an answer may report as incomplete: capture drops, cache evictions
      long losses = natLoss + stats.getOrDefault("capture_drops", 0L)
          + stats.getOrDefault("cache_evictions", 0L);

      int right = 0;
      int incomplete = 0;
      List<String> wrongMac = new ArrayList<>();
      List<String> other = new ArrayList<>();
      for (String line : answers.split("\n")) {
        String[] f = line.split(" ");
        if (f[2].equals("found") && f[3].equals(f[1])) {
          right++;
        } else if (f[2].equals("found")) {
          wrongMac.add(line);
        } else if (f[2].equals("incomplete")) {
          incomplete++;
        } else {
          other.add(line);
        }
      }
      System.out.println("load: " + right + " right, " + incomplete + " incomplete, "
          + other.size() + " other of " + expected.size() + "; nat_loss_events " + natLoss
          + ", losses " + losses);
      assertEquals(expected.size(), right + incomplete + wrongMac.size() + other.size());
      assertEquals(List.of(), wrongMac.subList(0, Math.min(10, wrongMac.size())),
          wrongMac.size() + " answers named the wrong MAC");
      if (losses == 0) {
        assertEquals(0, incomplete, "incomplete answers, but no loss was counted: " + stats);
        assertTrue(right * 100 >= expected.size() * 95, right + " of " + expected.size()
            + " found with the right MAC; others: " + other.subList(0, Math.min(10, other.size())));
      } else {
        assertTrue((right + incomplete) * 100 >= expected.size() * 95, right + " right and "
            + incomplete + " incomplete of " + expected.size() + "; others: "
            + other.subList(0, Math.min(10, other.size())));
      }
    } finally {
      for (Lab.Background b : running) {
        b.close();
      }
      run(bin("lab/natlab"), "down", lab);
    }
  }
}
