package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryRequest;

/**
 * A short in-process run (replay a capture file, answer a query and a junk datagram, stop)
 * logs nothing at INFO or above that names a MAC address.
 */
final class AgentLogTest {
  private static final Pattern MAC =
      Pattern.compile("(?i)\\b[0-9a-f]{2}([:-])[0-9a-f]{2}(\\1[0-9a-f]{2}){4}\\b");

  /** Keeps the formatted message of every event at INFO or above. */
  private static final class Collect extends AppenderBase<ILoggingEvent> {
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent e) {
      if (e.getLevel().isGreaterOrEqual(Level.INFO)) {
        lines.add(e.getLevel() + " " + e.getFormattedMessage());
      }
    }
  }

  private static Path corpusFile(String name) {
    String root = System.getProperty("trackpeer.root");
    Path base = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
    for (Path p = base; p != null; p = p.getParent()) {
      Path f = p.resolve("../shared/corpus/tcpdump-tests").resolve(name).normalize();
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    assumeTrue(false, "capture corpus not found; log test skipped");
    return null;
  }

  private static int freePort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void agent_shortReplayRunAtInfo_logsNoMacAddress() throws Exception {
    Path capture = corpusFile("802.1ad_QinQ.pcap");
    MacSample.assertPatternWorks(MAC);
    int port = freePort();
    DaemonConfig config =
        new DaemonConfig.Raw()
            .set("read-file", capture.toString(), "test")
            .set("listen", "127.0.0.1", "test")
            .set("port", Integer.toString(port), "test")
            .validate();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    Collect collect = new Collect();
    collect.start();
    root.addAppender(collect);
    root.setLevel(Level.INFO);
    Agent agent = new Agent(config);
    try {
      agent.bind();
      agent.startCapture(List.of());
      agent.startServing();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!agent.ready() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertTrue(agent.ready(), "capture file not read within 10 s");
      try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        s.setSoTimeout(2000);
        byte[] q = QueryCodec.encodeRequest(new QueryRequest(1, QueryRequest.TCP,
            Endpoint.parse("192.0.2.11:40000", true), Endpoint.parse("203.0.113.10:443", true),
            1_700_000_000L, 5, 0), 512);
        byte[] junk = "TP junk datagram that is no request".getBytes("US-ASCII");
        InetAddress lo = InetAddress.getLoopbackAddress();
        s.send(new DatagramPacket(q, q.length, lo, port));
        s.send(new DatagramPacket(junk, junk.length, lo, port));
        byte[] in = new byte[1500];
        s.receive(new DatagramPacket(in, in.length));
      }
      LoggerFactory.getLogger(AgentLogTest.class).info("stopping: {}", agent.summary());
    } finally {
      agent.close();
      root.detachAppender(collect);
      root.setLevel(before);
    }
    assertFalse(collect.lines.isEmpty(), "nothing logged at INFO: the check saw nothing");
    for (String line : collect.lines) {
      assertFalse(MAC.matcher(line).find(), "MAC address in a log line: " + line);
    }
  }

  /** Guards the pattern itself, so a broken pattern cannot pass the test vacuously. */
  private static final class MacSample {
    static void assertPatternWorks(Pattern p) {
      assertTrue(p.matcher("from 02:00:5e:00:01:01 seen").find());
      assertTrue(p.matcher("from 02-00-5E-00-01-01 seen").find());
      assertFalse(p.matcher("at 12:34:56 on port 7709").find());
    }
  }
}
