package org.trackpeer.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.trackpeer.daemon.neigh.NeighbourStats;
import org.trackpeer.daemon.neigh.NeighbourConfig;
import org.trackpeer.daemon.neigh.NeighbourWatcher;
import org.trackpeer.daemon.syslog.SyslogSink;

/** Starts neighbour-table logging ({@code -maclog}) when the configuration asks for it. */
final class Neighbours {
  private Neighbours() {}

  /**
   * Opens the syslog socket and starts the watcher; both are closed when the agent stops.
   *
   * @throws IOException when the state directory cannot be created or written
   */
  static void start(DaemonConfig config, Agent agent) throws IOException {
    if (config.maclog() == 0) {
      return;
    }
    Files.createDirectories(config.stateDir());
    if (!Files.isWritable(config.stateDir())) {
      throw new IOException("state directory " + config.stateDir() + " is not writable");
    }
    NeighbourConfig nc = neighbourConfig(config);
    SyslogSink sink = SyslogSink.open(config.syslogSocket(), "trackpeerd");
    NeighbourWatcher watcher = new NeighbourWatcher(nc, sink, Clock.systemDefaultZone());
    agent.addCounters(() -> counters(watcher, sink));
    agent.closeOnStop(watcher);
    agent.closeOnStop(sink);
    watcher.start();
  }

  /** The neighbour settings of {@code config}: intervals, state directory, facility, level. */
  static NeighbourConfig neighbourConfig(DaemonConfig config) {
    return NeighbourConfig.defaults(config.maclog())
        .withIntervals(
            Duration.ofSeconds(config.maclogPollSeconds()),
            Duration.ofSeconds(config.maclogExpireSeconds()),
            Duration.ofSeconds(config.maclogActiveSeconds()))
        .withStateDir(config.stateDir())
        .withSyslog(config.maclogFacility(), config.maclogLevel());
  }

  /** The watcher's and the syslog sink's counters, named for the stats report. */
  static Map<String, Long> counters(NeighbourWatcher watcher, SyslogSink sink) {
    NeighbourStats n = watcher.stats();
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("neighbour_polls", n.polls());
    m.put("neighbour_poll_failures", n.pollFailures());
    m.put("neighbour_bad_lines", n.badLines());
    m.put("neighbour_known_hosts", (long) n.knownHosts());
    m.put("neighbour_lines_logged", n.linesLogged());
    m.put("neighbour_state_write_failures", n.stateWriteFailures());
    m.put("syslog_sent", sink.sent());
    m.put("syslog_fallback_lines", sink.fallbackLines());
    m.put("syslog_dropped", sink.dropped());
    m.put("syslog_connected", sink.connected() ? 1L : 0L);
    return m;
  }
}
