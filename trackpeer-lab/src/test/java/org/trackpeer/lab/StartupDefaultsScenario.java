package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The start-up paths of the 2005 command line: {@code trackpeerd -h}, and {@code trackpeerd}
 * with no option and no configuration file, which runs on built-in defaults, captures on the
 * interface of the default route and says both in its first log lines. It runs in LAN host a
 * of the lab, whose default route leads over its veth {@code eth0} to the router.
 */
final class StartupDefaultsScenario {
  @Test
  void dashH_usageOnStdout_exitZero() {
    Lab.assumeLab();
    Lab.Result r = Lab.exec(Duration.ofSeconds(30), bin("bin/trackpeerd"), "-h");
    assertEquals(0, r.exit(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().startsWith("Usage: trackpeerd "), r.out());
    assertTrue(r.out().contains("-i, --interface=IFACE"), r.out());
  }

  @Test
  void noOptionsNoConfigFile_defaultsOnTheDefaultRoutesInterface_saidFirst() throws Exception {
    Lab.assumeLab();
    assumeFalse(Files.exists(Path.of("/etc/trackpeerd.conf")),
        "/etc/trackpeerd.conf exists, so trackpeerd would read it; skipped");
    String lab = Lab.uniqueName("dflt");
    run(bin("lab/natlab"), "up", lab);
    try (Lab.Background server = Lab.start(in(lab + "-s", "socat",
            "TCP-LISTEN:23,reuseaddr,fork", "SYSTEM:true"));
        Lab.Background agent = Lab.start(in(lab + "-a", bin("bin/trackpeerd")))) {
      agent.awaitOutput(s -> s.contains("answering queries on port 7709"),
          Duration.ofSeconds(30));
      List<String> first = agent.output().lines().limit(4).toList();
      assertTrue(first.size() == 4 && first.get(0).contains("trackpeerd ")
          && first.get(0).endsWith(" starting"), String.join("\n", first));
      assertTrue(first.get(1).endsWith(
          "no configuration file /etc/trackpeerd.conf: using built-in defaults"),
          String.join("\n", first));
      assertTrue(first.get(2).endsWith(
          "no interface configured: capturing on eth0, the default route's interface"),
          String.join("\n", first));
      agent.awaitOutput(s -> s.contains("capturing on eth0 (link type 1, packet ring)"),
          Duration.ofSeconds(30));

      // host a connects out; the replies the router forwards to it are recorded on eth0
      run(in(lab + "-a", "socat", "-u", "OPEN:/dev/null",
          "TCP:203.0.113.10:23,sourceport=49500,connect-timeout=5"));
      Lab.Result r = Lab.exec(Duration.ofSeconds(30), in(lab + "-a", bin("bin/trackpeer"),
          "-a", "127.0.0.1", "-v", "-s", "203.0.113.10:23", "-dst", "192.0.2.11:49500"));
      assertEquals(0, r.exit(), r.out() + r.err() + agent.output());
      assertEquals("02:00:5e:00:00:01", r.out().lines().findFirst().orElse(""));
      assertTrue(r.out().contains("interface=eth0"), r.out());
    } finally {
      run(bin("lab/natlab"), "down", lab);
    }
  }
}
