package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.run;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A HUP or TERM while the agent is still starting: the HUP neither kills it (exit 129) nor is
 * lost, it is applied once the agent is ready; a TERM ends it with status 0, not 143. The
 * agent reads an empty capture file and answers on loopback only, so no packet is sent.
 */
final class StartupSignalsScenario {
  private Path dir;
  private Path conf;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("trackpeerd-signals");
    Path capture = dir.resolve("empty.pcap");
    // a pcap file header (Ethernet) without frames
    ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
        .putInt(65535).putInt(1);
    Files.write(capture, header.array());
    int port;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    conf = dir.resolve("trackpeerd.conf");
    Files.writeString(conf, "read-file = " + capture + "\nlisten = 127.0.0.1\nport = " + port
        + "\naudit = off\n");
  }

  @AfterEach
  void tearDown() throws IOException {
    for (String f : new String[] {"trackpeerd.conf", "empty.pcap"}) {
      Files.deleteIfExists(dir.resolve(f));
    }
    Files.deleteIfExists(dir);
  }

  @Test
  void sighupDuringStartUp_keepsRunningAndReloadsWhenReady_thenTermExitsZero() throws Exception {
    Lab.assumeLab();
    try (Lab.Background agent = startAndSignal("HUP")) {
      agent.awaitOutput(s -> s.contains("configuration reloaded"), Duration.ofSeconds(30));
      assertTrue(agent.process.isAlive(), agent.output());
      assertEquals(0, agent.stop(), agent.output());
    }
  }

  @Test
  void sigtermDuringStartUp_exitsZero() throws Exception {
    Lab.assumeLab();
    try (Lab.Background agent = startAndSignal("TERM")) {
      assertTrue(agent.process.waitFor(30, TimeUnit.SECONDS), agent.output());
      assertEquals(0, agent.process.exitValue(), agent.output());
    }
  }

  /** Starts the agent and sends {@code signal} as soon as it says it is starting. */
  private Lab.Background startAndSignal(String signal) throws Exception {
    Lab.Background agent = Lab.start(bin("bin/trackpeerd"), "-c", conf.toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!agent.output().contains(" starting")) {
      assertTrue(agent.process.isAlive() && System.nanoTime() < deadline, agent.output());
      Thread.sleep(2);
    }
    run("kill", "-" + signal, Long.toString(agent.process.pid()));
    return agent;
  }
}
