package org.trackpeer.daemon.neigh;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trackpeer.daemon.IoReason;
import org.trackpeer.daemon.syslog.SyslogSink;

/**
 * Polls the kernel's neighbour table and logs host events to syslog ({@code -maclog 1|2}).
 *
 * <p>Sources: IPv4 from {@code /proc/net/arp}. IPv6 has no {@code /proc} file, so the watcher
 * runs {@code ip -6 neigh show} and parses its text. Netlink (RTM_GETNEIGH over an AF_NETLINK
 * socket through JNA) would avoid a process per poll, but needs hand-built message structures and
 * attribute parsing; {@code ip} is present on every Linux router (iproute2), its output format has
 * been stable for many years, and one short process every few seconds costs nothing that matters.
 * The command is configurable, which also lets tests feed fixture files.
 *
 * <p>Failures: a source that does not exist at all (no {@code /proc/net/arp}, no {@code ip}
 * program) is dropped with one warning. A source that exists but fails this time (non-zero exit,
 * time-out, read error) abandons the whole poll, so that hosts are never expired because of a
 * read error.
 *
 * <p>Threading: one scheduler thread polls; lines go to the {@link SyslogSink}, which never
 * blocks. The state file is written after each poll that changed the known hosts, and on close.
 * Closing logs nothing: hosts are not expired by a clean stop.
 */
public final class NeighbourWatcher implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(NeighbourWatcher.class);
  private static final long COMMAND_TIMEOUT_MILLIS = 5000;

  private final NeighbourConfig config;
  private final SyslogSink sink;
  private final Clock clock;
  private final NeighbourTracker tracker;
  private final NeighbourParser.Counts counts = new NeighbourParser.Counts();
  private ScheduledExecutorService scheduler;
  private boolean ipv4Enabled = true;
  private boolean ipv6Enabled;
  private boolean started;
  private boolean closed;
  private Instant nextActive;
  private volatile int knownHosts;
  private volatile long polls;
  private volatile long pollFailures;
  private volatile long linesLogged;
  private volatile long stateWrites;
  private volatile long stateWriteFailures;

  /** Creates a watcher; nothing runs before {@link #start}. */
  public NeighbourWatcher(NeighbourConfig config, SyslogSink sink, Clock clock) {
    this(config, sink, clock, new OuiVendors(OuiVendors.DEBIAN_FILES));
  }

  NeighbourWatcher(NeighbourConfig config, SyslogSink sink, Clock clock, OuiVendors vendors) {
    this.config = config;
    this.sink = sink;
    this.clock = clock;
    this.tracker = new NeighbourTracker(config.expireAfter(), config.activeInterval(), vendors);
    this.ipv6Enabled = !config.ipNeighCommand().isEmpty();
  }

  /** Restores the saved hosts and starts polling at once, then every poll interval. */
  public synchronized void start() {
    prepare();
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "maclog-poll");
      t.setDaemon(true);
      return t;
    });
    long periodMillis = config.pollInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::pollSafely, 0, periodMillis, TimeUnit.MILLISECONDS);
  }

  /** Restores saved hosts; {@link #start} calls it, tests call it before {@link #pollOnce}. */
  synchronized void prepare() {
    if (started) {
      return;
    }
    started = true;
    Instant now = clock.instant();
    try {
      List<NeighbourTracker.Host> saved = NeighbourStateFile.read(config.stateFile());
      tracker.restore(saved, now);
      if (!saved.isEmpty()) {
        logger.info("restored {} known hosts from {}", saved.size(), config.stateFile());
      }
    } catch (IOException e) {
      logger.warn("cannot read state file {}: {}", config.stateFile(), IoReason.of(e));
    }
    nextActive = now.plus(config.activeInterval());
    knownHosts = tracker.hosts().size();
  }

  private void pollSafely() {
    try {
      pollOnce();
    } catch (RuntimeException e) {
      logger.error("neighbour poll failed", e);
    }
  }

  /** Reads both tables once, logs the events, and saves the state if it changed. */
  synchronized void pollOnce() {
    if (closed) {
      return;
    }
    polls++;
    List<NeighbourEntry> entries = new ArrayList<>();
    if (!readIpv4(entries) || !readIpv6(entries)) {
      pollFailures++;
      return;
    }
    Instant now = clock.instant();
    tracker.update(now, entries, this::emit);
    if (config.mode() == 2 && !now.isBefore(nextActive)) {
      tracker.active(this::emit);
      nextActive = now.plus(config.activeInterval());
    }
    knownHosts = tracker.hosts().size();
    if (tracker.takeChanged()) {
      saveState();
    }
  }

  private boolean readIpv4(List<NeighbourEntry> out) {
    if (!ipv4Enabled) {
      return true;
    }
    try {
      String text = Files.readString(config.arpFile(), StandardCharsets.ISO_8859_1);
      NeighbourParser.parseArp(text, out, counts);
      return true;
    } catch (NoSuchFileException e) {
      logger.warn("{} does not exist, IPv4 neighbours not watched", config.arpFile());
      ipv4Enabled = false;
      return true;
    } catch (IOException e) {
      logger.warn("cannot read {}: {}", config.arpFile(), IoReason.of(e));
      return false;
    }
  }

  private boolean readIpv6(List<NeighbourEntry> out) {
    if (!ipv6Enabled) {
      return true;
    }
    Process p;
    try {
      p = new ProcessBuilder(config.ipNeighCommand())
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (IOException e) {
      logger.warn("cannot run {} ({}), IPv6 neighbours not watched",
          config.ipNeighCommand(), e.getMessage());
      ipv6Enabled = false;
      return true;
    }
    // A stuck command is killed, which ends the read below.
    CompletableFuture.delayedExecutor(COMMAND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .execute(p::destroyForcibly);
    try (InputStream in = p.getInputStream()) {
      String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      if (!p.waitFor(COMMAND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        logger.warn("{} failed", config.ipNeighCommand());
        return false;
      }
      NeighbourParser.parseIpNeigh(text, out, counts);
      return true;
    } catch (IOException e) {
      logger.warn("cannot read output of {}: {}", config.ipNeighCommand(), IoReason.of(e));
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return false;
    }
  }

  private void emit(String line) {
    linesLogged++;
    sink.send(config.facility(), config.level(), line);
  }

  private void saveState() {
    try {
      NeighbourStateFile.write(config.stateFile(), tracker.hosts());
      stateWrites++;
    } catch (IOException e) {
      stateWriteFailures++;
      logger.warn("cannot write state file {}: {}", config.stateFile(), IoReason.of(e));
    }
  }

  /** Stops polling and saves the known hosts; logs no expiry. */
  @Override
  public void close() {
    ScheduledExecutorService s;
    synchronized (this) {
      if (closed) {
        return;
      }
      s = scheduler;
    }
    if (s != null) {
      s.shutdown();
      try {
        s.awaitTermination(COMMAND_TIMEOUT_MILLIS * 2, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      closed = true;
      if (started) {
        saveState();
      }
    }
  }

  /** Returns a snapshot of the counters; never waits for a poll in progress. */
  public NeighbourStats stats() {
    return new NeighbourStats(polls, pollFailures, counts.badLines, counts.skippedLines,
        knownHosts, linesLogged, stateWrites, stateWriteFailures);
  }
}
