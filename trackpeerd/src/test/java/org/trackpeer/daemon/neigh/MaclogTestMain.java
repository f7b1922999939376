package org.trackpeer.daemon.neigh;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.trackpeer.daemon.syslog.SyslogSink;

/**
 * Runs only the neighbour watcher, with the options {@code trackpeerd} takes for it, until
 * SIGTERM. It lets the end-to-end test run the component in a network namespace before the
 * daemon's main class wires it in.
 *
 * <p>Options: {@code -maclog N --maclog-poll S --maclog-expire S --maclog-active S
 * --syslog-socket PATH --state-dir DIR}.
 */
public final class MaclogTestMain {
  private MaclogTestMain() {}

  /** Entry point. */
  public static void main(String[] args) throws InterruptedException {
    int mode = 1;
    Duration poll = NeighbourConfig.DEFAULT_POLL;
    Duration expire = NeighbourConfig.DEFAULT_EXPIRE;
    Duration active = NeighbourConfig.DEFAULT_ACTIVE;
    Path socket = SyslogSink.DEFAULT_SOCKET;
    Path stateDir = NeighbourConfig.DEFAULT_STATE_FILE.getParent();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "-maclog" -> mode = Integer.parseInt(v);
        case "--maclog-poll" -> poll = Duration.ofSeconds(Long.parseLong(v));
        case "--maclog-expire" -> expire = Duration.ofSeconds(Long.parseLong(v));
        case "--maclog-active" -> active = Duration.ofSeconds(Long.parseLong(v));
        case "--syslog-socket" -> socket = Path.of(v);
        case "--state-dir" -> stateDir = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    NeighbourConfig config = NeighbourConfig.defaults(mode)
        .withIntervals(poll, expire, active)
        .withStateDir(stateDir);
    SyslogSink sink = SyslogSink.open(socket, "trackpeerd");
    NeighbourWatcher watcher = new NeighbourWatcher(config, sink, Clock.systemDefaultZone());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      watcher.close();
      sink.close();
      stopped.countDown();
    }));
    watcher.start();
    System.out.println("maclog started");
    System.out.flush();
    stopped.await();
  }
}
