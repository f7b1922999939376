package org.trackpeer.daemon.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
