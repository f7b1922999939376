package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forensics after the fact: tcpdump records the router's LAN side while host a connects to the
 * server; later an agent reads the file with {@code -r}, its clock following the file, and
 * answers for the recorded connection although the live one is long gone.
 */
final class ReplayScenario {
  @TempDir Path dir;

  @Test
  void capturedFile_replayedWithDashR_answersFoundAtTheFilesTime() throws Exception {
    Lab.assumeLab();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/tcpdump")), "tcpdump is not installed; skipped");
    String lab = Lab.uniqueName("rpl");
    Path pcap = dir.resolve("lan.pcap");
    long connectedAt;
    String dumpLog;
    run(bin("lab/natlab"), "up", lab);
    try (Lab.Background server = Lab.start(in(lab + "-s", "socat",
            "TCP-LISTEN:23,reuseaddr,fork", "SYSTEM:true"));
        Lab.Background dump = Lab.start(in(lab + "-r", "tcpdump", "-Z", "root", "--immediate-mode", "-i", "lan0", "-n",
            "-w", pcap.toString(), "-U"))) {
      dump.awaitOutput(s -> s.contains("listening on"), Duration.ofSeconds(10));
      Thread.sleep(300);
      connectedAt = System.currentTimeMillis() / 1000;
      run(in(lab + "-a", "socat", "-u", "OPEN:/dev/null",
          "TCP:203.0.113.10:23,sourceport=49400,connect-timeout=5"));
      Thread.sleep(500);
      dump.stop();
      dumpLog = dump.output();
    } finally {
      run(bin("lab/natlab"), "down", lab);
    }

    int port = ThreadLocalRandom.current().nextInt(20000, 30000);
    try (Lab.Background agent = Lab.start(bin("bin/trackpeerd"), "-c", "/dev/null",
        "-r", pcap.toString(), "--port", Integer.toString(port), "--listen", "127.0.0.1",
        "--nat-address", "203.0.113.1")) {
      agent.awaitOutput(s -> s.contains("read " + pcap + ":"), Duration.ofSeconds(30));
      Lab.Result r = Lab.exec(Duration.ofSeconds(30), bin("bin/trackpeer"), "-a",
          "127.0.0.1:" + port, "-v", "-s", "203.0.113.1:49400", "-dst", "203.0.113.10:23",
          "-time", Long.toString(connectedAt));
      assertEquals(0, r.exit(), r.out() + r.err() + agent.output() + dumpLog);
      assertEquals("02:00:5e:00:01:01", r.out().lines().findFirst().orElse(""));
      assertTrue(r.out().contains("inside=192.0.2.11:49400"), r.out());
      assertTrue(r.out().contains("interface=lan.pcap"), r.out());
    }
  }
}
