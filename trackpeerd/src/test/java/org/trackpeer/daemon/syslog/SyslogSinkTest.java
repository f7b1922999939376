package org.trackpeer.daemon.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.daemon.syslog.SyslogSink.Facility;
import org.trackpeer.daemon.syslog.SyslogSink.Level;

final class SyslogSinkTest {
  private static final Clock JAN_5 =
      Clock.fixed(Instant.parse("2024-01-05T07:08:09Z"), ZoneOffset.UTC);
  private static final Clock NOV_23 =
      Clock.fixed(Instant.parse("2024-11-23T23:59:01Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final PrintStream errStream = new PrintStream(err, true, StandardCharsets.US_ASCII);
  private final long pid = ProcessHandle.current().pid();

  @Test
  void send_local4Info_sendsExactGlibcDatagram() throws Exception {
    Path sock = dir.resolve("log");
    try (DatagramReceiver rx = DatagramReceiver.bind(sock, 5000);
        SyslogSink sink = SyslogSink.open(sock, "trackpeerd", JAN_5, errStream, Duration.ZERO)) {
      sink.send(Facility.LOCAL4, Level.INFO, "New_host if=eth0 ip=192.0.2.11");
      assertEquals(
          "<166>Jan  5 07:08:09 trackpeerd[" + pid + "]: New_host if=eth0 ip=192.0.2.11",
          rx.receive());
      assertTrue(sink.flush(Duration.ofSeconds(5)));
      assertEquals(1, sink.sent());
      assertEquals(0, sink.fallbackLines());
      assertTrue(sink.connected());
    }
  }

  @Test
  void send_otherFacilityAndTwoDigitDay_usesPriorityAndNoPadding() throws Exception {
    Path sock = dir.resolve("log");
    try (DatagramReceiver rx = DatagramReceiver.bind(sock, 5000);
        SyslogSink sink = SyslogSink.open(sock, "audit", NOV_23, errStream, Duration.ZERO)) {
      sink.send(Facility.AUTHPRIV, Level.NOTICE, "x=1");
      sink.send(Facility.KERN, Level.EMERG, "y");
      sink.send(Facility.LOCAL7, Level.DEBUG, "caf\u00e9\n");
      assertEquals("<85>Nov 23 23:59:01 audit[" + pid + "]: x=1", rx.receive());
      assertEquals("<0>Nov 23 23:59:01 audit[" + pid + "]: y", rx.receive());
      assertEquals("<191>Nov 23 23:59:01 audit[" + pid + "]: caf??", rx.receive());
    }
  }

  @Test
  void send_socketMissing_writesStderrAndRecoversWhenItAppears() throws Exception {
    Path sock = dir.resolve("late.sock");
    try (SyslogSink sink = SyslogSink.open(sock, "trackpeerd", JAN_5, errStream, Duration.ZERO)) {
      sink.send(Facility.LOCAL4, Level.INFO, "Expired_host if=eth0");
      assertTrue(sink.flush(Duration.ofSeconds(5)));
      assertEquals(1, sink.fallbackLines());
      assertEquals(0, sink.sent());
      assertFalse(sink.connected());
      assertEquals(
          "<166>Jan  5 07:08:09 trackpeerd[" + pid + "]: Expired_host if=eth0\n",
          err.toString(StandardCharsets.US_ASCII));

      try (DatagramReceiver rx = DatagramReceiver.bind(sock, 5000)) {
        sink.send(Facility.LOCAL4, Level.INFO, "New_host if=eth1");
        assertEquals("<166>Jan  5 07:08:09 trackpeerd[" + pid + "]: New_host if=eth1",
            rx.receive());
        assertTrue(sink.flush(Duration.ofSeconds(5)));
        assertEquals(1, sink.sent());
        assertEquals(1, sink.fallbackLines());
      }

      // Receiver gone again (socket file removed): back to stderr, nothing lost.
      sink.send(Facility.LOCAL4, Level.INFO, "Active_host if=eth1");
      assertTrue(sink.flush(Duration.ofSeconds(5)));
      assertEquals(2, sink.fallbackLines());
      assertTrue(err.toString(StandardCharsets.US_ASCII).endsWith("Active_host if=eth1\n"));
    }
  }

  @Test
  void send_retryIntervalNotElapsed_staysOnFallback() throws Exception {
    Path sock = dir.resolve("slow.sock");
    try (SyslogSink sink =
        SyslogSink.open(sock, "trackpeerd", JAN_5, errStream, Duration.ofHours(1))) {
      sink.send(Facility.LOCAL4, Level.INFO, "a");
      assertTrue(sink.flush(Duration.ofSeconds(5)));
      try (DatagramReceiver rx = DatagramReceiver.bind(sock, 200)) {
        sink.send(Facility.LOCAL4, Level.INFO, "b");
        assertTrue(sink.flush(Duration.ofSeconds(5)));
        assertNull(rx.receive());
        assertEquals(2, sink.fallbackLines());
      }
    }
  }

  /** Fills the receive queue of the socket at {@code path} until the kernel refuses more. */
  private static int fillReceiveQueue(Path path) {
    int fd = UnixDatagram.open();
    try {
      UnixDatagram.connect(fd, path.toString());
      UnixDatagram.setTimeout(fd, UnixDatagram.SO_SNDTIMEO, 10);
      byte[] filler = "<166>filler".getBytes(StandardCharsets.US_ASCII);
      int n = 0;
      while (true) {
        try {
          UnixDatagram.send(fd, filler);
          n++;
        } catch (LastErrorException e) {
          assertEquals(UnixDatagram.EAGAIN, e.getErrorCode());
          return n;
        }
      }
    } finally {
      UnixDatagram.close(fd);
    }
  }

  @Test
  void send_receiverStuck_returnsAtOnceAndLinesGoToFallbackAfterBoundedWait() throws Exception {
    Path sock = dir.resolve("stuck.sock");
    try (DatagramReceiver rx = DatagramReceiver.bind(sock, 100)) {
      assertTrue(fillReceiveQueue(sock) > 0);
      try (SyslogSink sink =
          SyslogSink.open(sock, "trackpeerd", JAN_5, errStream, Duration.ZERO)) {
        long slowest = 0;
        for (int i = 0; i < 3; i++) {
          long t0 = System.nanoTime();
          sink.send(Facility.LOCAL4, Level.INFO, "New_host n=" + i);
          slowest = Math.max(slowest, System.nanoTime() - t0);
        }
        assertTrue(slowest < 100_000_000L, "send took " + slowest + " ns");
        // Each line waits at most the send timeout (1 s) for the stuck receiver.
        assertTrue(sink.flush(Duration.ofSeconds(20)));
        assertEquals(0, sink.sent());
        assertEquals(3, sink.fallbackLines());
        assertEquals(0, sink.dropped());
        String prefix = "<166>Jan  5 07:08:09 trackpeerd[" + pid + "]: New_host n=";
        assertEquals(prefix + "0\n" + prefix + "1\n" + prefix + "2\n",
            err.toString(StandardCharsets.US_ASCII));
      }
    }
  }

  /** An output stream whose first write blocks until released, as a pipe nobody reads. */
  private static final class StuckStream extends OutputStream {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      written.write(b, off, len);
    }
  }

  @Test
  void send_queueFull_returnsAtOnceAndCountsEveryLineBeyondAsDropped() throws Exception {
    StuckStream stuck = new StuckStream();
    PrintStream fallback = new PrintStream(stuck, false, StandardCharsets.US_ASCII);
    SyslogSink sink =
        SyslogSink.open(dir.resolve("absent"), "trackpeerd", JAN_5, fallback, Duration.ZERO);
    try {
      sink.send(Facility.LOCAL4, Level.INFO, "first");
      assertTrue(stuck.entered.await(10, TimeUnit.SECONDS), "drainer never wrote");
      // The drainer holds "first" and is stuck: the queue takes QUEUE_CAPACITY more lines.
      int extra = 500;
      long t0 = System.nanoTime();
      for (int i = 0; i < SyslogSink.QUEUE_CAPACITY + extra; i++) {
        sink.send(Facility.LOCAL4, Level.INFO, "line " + i);
      }
      long elapsed = System.nanoTime() - t0;
      assertTrue(elapsed < 5_000_000_000L, "sends took " + elapsed + " ns");
      assertEquals(extra, sink.dropped());
      assertEquals(0, sink.fallbackLines());
      assertFalse(sink.flush(Duration.ofMillis(50)));
      stuck.release.countDown();
      assertTrue(sink.flush(Duration.ofSeconds(20)));
      assertEquals(0, sink.sent());
      assertEquals(1 + SyslogSink.QUEUE_CAPACITY, sink.fallbackLines());
      assertEquals(extra, sink.dropped());
      String text = stuck.written.toString(StandardCharsets.US_ASCII);
      assertTrue(text.contains("]: line " + (SyslogSink.QUEUE_CAPACITY - 1) + "\n"), "last kept");
      assertFalse(text.contains("]: line " + SyslogSink.QUEUE_CAPACITY + "\n"), "first dropped");
    } finally {
      stuck.release.countDown();
      sink.close();
    }
  }

  @Test
  void send_afterClose_goesToFallback() {
    SyslogSink sink = SyslogSink.open(dir.resolve("none"), "t", JAN_5, errStream, Duration.ZERO);
    sink.close();
    sink.send(Facility.LOCAL4, Level.INFO, "late");
    assertEquals(1, sink.fallbackLines());
    assertEquals(0, sink.dropped());
  }

  @Test
  void parse_standardNames_mapToCodes() {
    assertEquals(20, Facility.parse("local4").code());
    assertEquals(3, Facility.parse("DAEMON").code());
    assertEquals(6, Level.parse("info").code());
    assertEquals(4, Level.parse("warning").code());
    assertThrows(IllegalArgumentException.class, () -> Facility.parse("local9"));
  }

  @Test
  void open_pathTooLong_rejected() {
    Path longPath = dir.resolve("x".repeat(120));
    assertThrows(IllegalArgumentException.class,
        () -> SyslogSink.open(longPath, "t", JAN_5, errStream, Duration.ZERO));
  }
}
