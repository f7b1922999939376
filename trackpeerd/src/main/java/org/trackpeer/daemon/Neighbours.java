package org.trackpeer.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
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
    NeighbourConfig nc =
        NeighbourConfig.defaults(config.maclog())
            .withIntervals(
                Duration.ofSeconds(config.maclogPollSeconds()),
                Duration.ofSeconds(config.maclogExpireSeconds()),
                Duration.ofSeconds(config.maclogActiveSeconds()))
            .withStateDir(config.stateDir());
    SyslogSink sink = SyslogSink.open(config.syslogSocket(), "trackpeerd");
    NeighbourWatcher watcher = new NeighbourWatcher(nc, sink, Clock.systemDefaultZone());
    agent.closeOnStop(watcher);
    agent.closeOnStop(sink);
    watcher.start();
  }
}
