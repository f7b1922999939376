package org.trackpeer.daemon.neigh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.trackpeer.daemon.syslog.SyslogSink;

/**
 * Settings of MAC address logging ({@code -maclog 1|2}).
 *
 * @param mode 1: new, changed and expired hosts; 2: also every active host periodically
 * @param pollInterval time between two reads of the neighbour table
 * @param expireAfter how long a host must be absent from the table before it expires
 * @param activeInterval period of {@code Active_host} lines in mode 2; also the window in which
 *     a flapping IP's further changes are counted instead of logged (both modes)
 * @param stateFile where known hosts are kept across restarts
 * @param arpFile the IPv4 table, normally {@code /proc/net/arp}
 * @param ipNeighCommand the command printing the IPv6 table, normally {@code ip -6 neigh show}
 * @param facility syslog facility of the lines
 * @param level syslog level of the lines
 */
public record NeighbourConfig(
    int mode,
    Duration pollInterval,
    Duration expireAfter,
    Duration activeInterval,
    Path stateFile,
    Path arpFile,
    List<String> ipNeighCommand,
    SyslogSink.Facility facility,
    SyslogSink.Level level) {

  /** Default time between two polls. */
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(5);
  /** Default grace period before a missing host expires. */
  public static final Duration DEFAULT_EXPIRE = Duration.ofSeconds(30);
  /** Default period of Active_host lines. */
  public static final Duration DEFAULT_ACTIVE = Duration.ofMinutes(3);
  /** Default state file. */
  public static final Path DEFAULT_STATE_FILE = Path.of("/var/lib/trackpeerd/neighbours.state");
  /** Name of the state file inside a state directory. */
  public static final String STATE_FILE_NAME = "neighbours.state";
  /** Default IPv4 table. */
  public static final Path DEFAULT_ARP_FILE = Path.of("/proc/net/arp");
  /** Default IPv6 table command. */
  public static final List<String> DEFAULT_IP_NEIGH = List.of("ip", "-6", "neigh", "show");

  /** Validates the settings. */
  public NeighbourConfig {
    if (mode != 1 && mode != 2) {
      throw new IllegalArgumentException("maclog mode must be 1 or 2: " + mode);
    }
    positive(pollInterval, "poll interval");
    positive(expireAfter, "expire time");
    positive(activeInterval, "active interval");
    Objects.requireNonNull(stateFile, "stateFile");
    Objects.requireNonNull(arpFile, "arpFile");
    ipNeighCommand = List.copyOf(ipNeighCommand);
    Objects.requireNonNull(facility, "facility");
    Objects.requireNonNull(level, "level");
  }

  /** Returns the defaults for {@code mode}: 5 s polls, 30 s grace, 3 min, LOCAL4/INFO. */
  public static NeighbourConfig defaults(int mode) {
    return new NeighbourConfig(mode, DEFAULT_POLL, DEFAULT_EXPIRE, DEFAULT_ACTIVE,
        DEFAULT_STATE_FILE, DEFAULT_ARP_FILE, DEFAULT_IP_NEIGH, SyslogSink.Facility.LOCAL4,
        SyslogSink.Level.INFO);
  }

  /** Returns a copy with other intervals. */
  public NeighbourConfig withIntervals(Duration poll, Duration expire, Duration active) {
    return new NeighbourConfig(mode, poll, expire, active, stateFile, arpFile, ipNeighCommand,
        facility, level);
  }

  /** Returns a copy keeping its state in {@code dir}/neighbours.state. */
  public NeighbourConfig withStateDir(Path dir) {
    return new NeighbourConfig(mode, pollInterval, expireAfter, activeInterval,
        dir.resolve(STATE_FILE_NAME), arpFile, ipNeighCommand, facility, level);
  }

  /** Returns a copy reading other table sources. */
  public NeighbourConfig withSources(Path arp, List<String> ipNeigh) {
    return new NeighbourConfig(mode, pollInterval, expireAfter, activeInterval, stateFile, arp,
        ipNeigh, facility, level);
  }

  /** Returns a copy logging with another facility and level. */
  public NeighbourConfig withSyslog(SyslogSink.Facility f, SyslogSink.Level l) {
    return new NeighbourConfig(mode, pollInterval, expireAfter, activeInterval, stateFile,
        arpFile, ipNeighCommand, f, l);
  }

  private static void positive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
  }
}
