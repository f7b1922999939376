package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.daemon.neigh.NeighbourConfig;
import org.trackpeer.daemon.neigh.NeighbourWatcher;
import org.trackpeer.daemon.syslog.DatagramReceiver;
import org.trackpeer.daemon.syslog.SyslogSink;

/** The maclog-facility and maclog-level keys, from the file to the datagram's priority. */
final class NeighboursTest {
  private static final String NEW_HOST =
      "New_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:01 flags=local";

  @TempDir Path dir;

  private DaemonConfig load(String text) throws Exception {
    Path f = dir.resolve("trackpeerd.conf");
    Files.writeString(f, "maclog = 1\nstate-dir = " + dir.resolve("state") + "\n"
        + "syslog-socket = " + dir.resolve("log") + "\n" + text);
    return DaemonConfig.Raw.load(f, true).validate();
  }

  @Test
  void validate_noMaclogSyslogKeys_defaultsLocal4Info() throws Exception {
    DaemonConfig c = load("");
    assertEquals(SyslogSink.Facility.LOCAL4, c.maclogFacility());
    assertEquals(SyslogSink.Level.INFO, c.maclogLevel());
    NeighbourConfig nc = Neighbours.neighbourConfig(c);
    assertEquals(SyslogSink.Facility.LOCAL4, nc.facility());
    assertEquals(SyslogSink.Level.INFO, nc.level());
  }

  @Test
  void validate_maclogSyslogKeys_areReadAnyCase() throws Exception {
    DaemonConfig c = load("maclog-facility = DAEMON\nmaclog-level = Warning\n");
    assertEquals(SyslogSink.Facility.DAEMON, c.maclogFacility());
    assertEquals(SyslogSink.Level.WARNING, c.maclogLevel());
    // The audit keys are separate and keep their own defaults.
    assertEquals(SyslogSink.Facility.LOCAL4, c.auditFacility());
    assertEquals(SyslogSink.Level.NOTICE, c.auditLevel());
  }

  @Test
  void validate_badMaclogFacility_namesKeyValueAndAllowed() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> load("maclog-facility = local9\n"));
    assertTrue(e.getMessage().endsWith(":4: maclog-facility = 'local9': expected a syslog"
        + " facility such as local4, daemon or auth"), e.getMessage());
    ConfigException l = assertThrows(ConfigException.class, () -> load("maclog-level = 6\n"));
    assertTrue(l.getMessage().endsWith(":4: maclog-level = '6': expected a syslog level such"
        + " as notice, info or warning"), l.getMessage());
  }

  @Test
  void newHost_configuredFacilityAndLevel_sentWithTheirPriority() throws Exception {
    // daemon (3) * 8 + notice (5) = 29
    assertEquals(List.of("<29>", "<166>", "<183>"), List.of(
        firstLinePriority("maclog-facility = daemon\nmaclog-level = notice\n"),
        firstLinePriority(""),
        firstLinePriority("maclog-facility = local6\nmaclog-level = debug\n")));
  }

  /** Runs a watcher built from the configuration and returns its first line's PRI part. */
  private String firstLinePriority(String keys) throws Exception {
    DaemonConfig c = load(keys);
    Path arp = dir.resolve("arp");
    Files.writeString(arp,
        "IP address       HW type     Flags       HW address            Mask     Device\n"
            + "192.0.2.11       0x1         0x2         02:00:5e:00:01:01     *        eth0\n");
    NeighbourConfig nc = Neighbours.neighbourConfig(c).withSources(arp, List.of());
    String line;
    try (DatagramReceiver rx = DatagramReceiver.bind(c.syslogSocket(), 5000);
        SyslogSink sink = SyslogSink.open(c.syslogSocket(), "trackpeerd");
        NeighbourWatcher w = new NeighbourWatcher(nc, sink, Clock.systemDefaultZone())) {
      w.start();
      line = rx.receive();
    }
    Files.deleteIfExists(c.stateDir().resolve(NeighbourConfig.STATE_FILE_NAME));
    String tag = " trackpeerd[" + ProcessHandle.current().pid() + "]: ";
    assertTrue(line != null && line.endsWith(tag + NEW_HOST), line);
    return line.substring(0, line.indexOf('>') + 1);
  }
}
