package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forensics after the fact: tcpdump records the router's LAN side while host a connects to the
 * server; the file's timestamps are then moved ten years back, and an agent reads it with
 * {@code -r}. Its clock follows the file: it answers found at the file's own time, and outside
 * the window for a time older than the last packet minus the retention, for the time the file
 * was really recorded, and for now.
 */
final class ReplayScenario {
  private static final long SHIFT_SECONDS = 10L * 365 * 86_400;

  @TempDir Path dir;

  @Test
  void oldCapture_replayedWithDashR_windowFollowsTheFilesClock() throws Exception {
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

    // ten years back: an agent on the wall clock would call the file's time outside its window
    long fileConnectedAt = connectedAt - SHIFT_SECONDS;
    shiftTimestamps(pcap, -SHIFT_SECONDS);
    int port = ThreadLocalRandom.current().nextInt(20000, 30000);
    try (Lab.Background agent = Lab.start(bin("bin/trackpeerd"), "-c", "/dev/null",
        "-r", pcap.toString(), "--port", Integer.toString(port), "--listen", "127.0.0.1",
        "--nat-address", "203.0.113.1")) {
      agent.awaitOutput(s -> s.contains("read " + pcap + ":"), Duration.ofSeconds(30));
      Lab.Result r = ask(port, "-time", Long.toString(fileConnectedAt));
      assertEquals(0, r.exit(), r.out() + r.err() + agent.output() + dumpLog);
      assertEquals("02:00:5e:00:01:01", r.out().lines().findFirst().orElse(""));
      assertTrue(r.out().contains("inside=192.0.2.11:49400"), r.out());
      assertTrue(r.out().contains("interface=lan.pcap"), r.out());

      // older than the file's last packet minus the retention (600 s)
      Lab.Result old = ask(port, "-time", Long.toString(fileConnectedAt - 700));
      assertEquals(13, old.exit(), old.out() + old.err());
      // the time it was recorded, and now: both after the file's last packet
      Lab.Result recorded = ask(port, "-time", Long.toString(connectedAt));
      assertEquals(13, recorded.exit(), recorded.out() + recorded.err());
      Lab.Result now = ask(port);
      assertEquals(13, now.exit(), now.out() + now.err());
    }
  }

  private static Lab.Result ask(int port, String... time) {
    List<String> cmd = new ArrayList<>(List.of(bin("bin/trackpeer"), "-a", "127.0.0.1:" + port,
        "-v", "-s", "203.0.113.1:49400", "-dst", "203.0.113.10:23"));
    cmd.addAll(List.of(time));
    return Lab.exec(Duration.ofSeconds(30), cmd.toArray(new String[0]));
  }

  /** Adds {@code seconds} to the timestamp of every record of a classic pcap file. */
  static void shiftTimestamps(Path file, long seconds) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    int magic = b.getInt(0);
    if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
      b.order(ByteOrder.LITTLE_ENDIAN);
      magic = b.getInt(0);
    }
    assertTrue(magic == 0xa1b2c3d4 || magic == 0xa1b23c4d,
        "not a classic pcap file: magic " + Integer.toHexString(magic));
    int records = 0;
    for (int at = 24; at + 16 <= b.limit(); at += 16 + b.getInt(at + 8)) {
      b.putInt(at, (int) (Integer.toUnsignedLong(b.getInt(at)) + seconds));
      records++;
    }
    assertTrue(records > 0, "no packets in " + file);
    Files.write(file, b.array());
  }
}
