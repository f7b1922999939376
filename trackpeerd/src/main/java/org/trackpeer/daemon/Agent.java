package org.trackpeer.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.CacheStats;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.capture.CaptureLoop;
import org.trackpeer.daemon.capture.DecodeCounters;
import org.trackpeer.daemon.capture.DecodeOutcome;
import org.trackpeer.daemon.nat.CapturePairing;
import org.trackpeer.daemon.nat.ConntrackWatcher;
import org.trackpeer.daemon.nat.TranslationLog;
import org.trackpeer.daemon.query.QueryAudit;
import org.trackpeer.daemon.query.QueryGuard;
import org.trackpeer.daemon.query.QueryHandler;
import org.trackpeer.daemon.query.QueryServer;
import org.trackpeer.daemon.syslog.SyslogSink;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.ResultCode;

/**
 * A running agent: capture threads feeding the flow cache, the query server answering from it,
 * and the housekeeping that expires old flows and re-reads the router's own addresses.
 */
final class Agent implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(Agent.class);
  private static final long NANOS = 1_000_000_000L;
  private static final long STOP_BUDGET_NANOS = 1_000_000_000L;

  private final DaemonConfig config;
  private final AgentClock clock;
  private final FlowCache cache;
  private final LocalAddresses local;
  private final Ingest ingest;
  private final List<CaptureLoop> loops = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final ScheduledExecutorService housekeeping;
  private final List<AutoCloseable> extras = new ArrayList<>();
  private final TranslationLog translations;
  private final CapturePairing pairing;
  private ConntrackWatcher conntrack;
  private QueryServer server;
  private QueryAudit audit;

  Agent(DaemonConfig config) {
    this.config = config;
    this.clock = config.readFile() != null ? AgentClock.replay() : AgentClock.system();
    this.cache =
        new FlowCache(
            new CacheConfig(
                config.retentionSeconds() * NANOS,
                config.bucketSeconds() * NANOS,
                config.maxEntries(),
                config.maxSharePerMac()),
            clock);
    this.local = new LocalAddresses(config.ignoreMacs(), config.natAddresses());
    this.translations =
        new TranslationLog(clock::read, config.retentionSeconds() * NANOS,
            TranslationLog.DEFAULT_MAX_ENTRIES);
    this.pairing =
        config.outsideInterfaces().isEmpty() ? null : new CapturePairing(translations);
    this.ingest = new Ingest(cache, local, clock, pairing);
    this.housekeeping =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "housekeeping");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts following the kernel's connection tracking, which tells each NAT translation as it
   * is made. With {@code conntrack = auto} a failure (no CAP_NET_ADMIN, no conntrack) only
   * means answers rest on port matching; with {@code on} it stops the start.
   */
  void startConntrack() throws IOException {
    if (config.readFile() != null || config.conntrack().equals("off")) {
      return;
    }
    try {
      conntrack = ConntrackWatcher.open(null, translations);
      logger.info("following connection tracking for NAT translations");
    } catch (IOException | RuntimeException e) {
      if (config.conntrack().equals("on")) {
        throw new IOException("connection tracking: " + e.getMessage(), e);
      }
      logger.warn("connection tracking unavailable ({}); NAT answers rest on port matching",
          e.getMessage());
    }
  }

  /** Binds the query port; the first step that can fail on a busy or missing address. */
  void bind() throws IOException {
    QueryHandler handler =
        new QueryHandler(
            cache,
            translations,
            clock,
            this::isNatAddress,
            this::ready,
            new QueryHandler.Settings(
                config.retentionSeconds() * NANOS,
                config.toleranceSeconds(),
                config.wildcard(),
                config.wildcardMax()));
    Map<Long, Auth.Key> keys = Map.of();
    if (config.authKeyFile() != null) {
      try {
        keys = Auth.readKeyFile(config.authKeyFile());
      } catch (IOException e) {
        throw new IOException("auth-key-file: " + e.getMessage(), e);
      }
    }
    QueryGuard guard = new QueryGuard(
        new QueryGuard.Settings(config.ratePerClient(), config.ratePerClientBurst(),
            config.rateTotal(), config.rateTotalBurst(), config.rateRefusals(), keys),
        System::nanoTime,
        () -> Math.floorDiv(System.currentTimeMillis(), 1000L));
    server = new QueryServer(
        config.listen(), config.port(), handler, this::allowed, this::stats, guard);
    if (config.audit()) {
      SyslogSink sink = SyslogSink.open(config.syslogSocket(), "trackpeerd");
      SyslogSink.Facility facility = config.auditFacility();
      SyslogSink.Level level = config.auditLevel();
      audit = new QueryAudit(line -> sink.send(facility, level, line), config.auditRate(),
          System::nanoTime);
      server.audit(audit);
      closeOnStop(sink);
    }
  }

  /** Starts capture on every interface, or on the capture file. */
  void startCapture(List<String> interfaces) {
    CaptureLoop.Settings s =
        new CaptureLoop.Settings(config.snaplen(), config.bufferBytes(), 20, config.filter());
    if (config.readFile() != null) {
      int idx = cache.registerInterface(fileLabel(config.readFile()));
      loops.add(CaptureLoop.file(config.readFile(), idx, s, ingest));
    } else {
      for (String iface : interfaces) {
        loops.add(CaptureLoop.live(iface, cache.registerInterface(iface), s, ingest));
      }
      for (String iface : config.outsideInterfaces()) {
        int idx = cache.registerInterface(iface);
        ingest.markOutside(idx);
        loops.add(CaptureLoop.live(iface, idx, s, ingest));
      }
    }
    for (CaptureLoop loop : loops) {
      Thread t = new Thread(loop, "capture-" + loop.name());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /**
   * Returns the name records from a capture file carry as their interface: the file name, with
   * characters other than printable ASCII replaced and cut to the length an interface name has.
   */
  static String fileLabel(Path file) {
    Path name = file.getFileName();
    String s = name == null ? "" : name.toString().replaceAll("[^\\x21-\\x7e]", "_");
    if (s.isEmpty()) {
      return "file";
    }
    return s.substring(0, Math.min(s.length(), PeerRecord.INTERFACE_NAME_MAX));
  }

  /** Starts answering queries and the periodic housekeeping. */
  void startServing() {
    Thread t = new Thread(server, "query");
    t.setDaemon(true);
    threads.add(t);
    t.start();
    housekeeping.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  /** Registers something to close on shutdown, after capture and queries stop. */
  void closeOnStop(AutoCloseable c) {
    extras.add(c);
  }

  private void tick() {
    try {
      if (config.readFile() == null) {
        local.refresh();
      }
      cache.expire();
      translations.expire();
      if (audit != null) {
        audit.tick();
      }
    } catch (RuntimeException e) {
      logger.warn("housekeeping: {}", e.toString());
    }
  }

  /** True when every capture source is open (a finished file still counts as ready). */
  boolean ready() {
    if (loops.isEmpty()) {
      return false;
    }
    for (CaptureLoop loop : loops) {
      if (!loop.capturing() && !loop.finished()) {
        return false;
      }
    }
    return true;
  }

  private boolean isNatAddress(InetAddress a) {
    return local.isOwnAddress(a);
  }

  private boolean allowed(InetAddress a) {
    if (a.isLoopbackAddress() || local.isOwnAddress(a)) {
      return true;
    }
    for (Cidr c : config.allow()) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** Returns every counter as {@code name value} lines. */
  String stats() {
    StringBuilder sb = new StringBuilder();
    long frames = 0;
    long drops = 0;
    DecodeCounters sum = new DecodeCounters();
    for (CaptureLoop loop : loops) {
      frames += loop.framesSeen();
      drops += loop.kernelDrops();
      sum.add(loop.counters());
    }
    line(sb, "ready", ready() ? 1 : 0);
    line(sb, "frames_seen", frames);
    line(sb, "capture_drops", drops);
    for (DecodeOutcome o : DecodeOutcome.values()) {
      line(sb, "decode_" + o.name().toLowerCase(java.util.Locale.ROOT), sum.get(o));
    }
    line(sb, "frames_own", ingest.ownFrames());
    line(sb, "frames_recorded", ingest.recorded());
    CacheStats cs = cache.stats();
    line(sb, "cache_entries_v4", cs.entriesV4());
    line(sb, "cache_entries_v6", cs.entriesV6());
    line(sb, "cache_buckets", cs.buckets());
    line(sb, "cache_bytes", cs.approxBytes());
    line(sb, "cache_evictions", cs.evictions());
    line(sb, "cache_expired", cs.expired());
    line(sb, "cache_rejected_share", cs.rejectedByShare());
    line(sb, "cache_rejected_collision", cs.rejectedByCollision());
    if (server != null) {
      for (Map.Entry<ResultCode, Long> e : server.answered().entrySet()) {
        line(sb, "queries_" + e.getKey().label(), e.getValue());
      }
      for (Map.Entry<ProtocolException.Reason, Long> e : server.rejected().entrySet()) {
        line(sb, "query_rejected_" + e.getKey().name().toLowerCase(java.util.Locale.ROOT),
            e.getValue());
      }
      line(sb, "query_refused", server.refused());
      for (Map.Entry<String, Long> e : server.guardCounters().entrySet()) {
        line(sb, e.getKey(), e.getValue());
      }
    }
    TranslationLog.Stats ts = translations.stats();
    line(sb, "nat_translations", ts.entries());
    line(sb, "nat_translations_recorded", ts.recorded());
    line(sb, "nat_translations_evicted", ts.evicted());
    line(sb, "nat_loss_events", ts.lossEvents());
    line(sb, "nat_resyncs", ts.resyncs());
    if (conntrack != null) {
      ConntrackWatcher.Stats cs2 = conntrack.stats();
      line(sb, "conntrack_events", cs2.events());
      line(sb, "conntrack_malformed", cs2.malformed());
    }
    if (pairing != null) {
      CapturePairing.Stats ps;
      synchronized (pairing) {
        ps = pairing.stats();
      }
      line(sb, "pairing_paired", ps.paired());
      line(sb, "pairing_ambiguous", ps.ambiguous());
      line(sb, "pairing_expired", ps.expired());
    }
    if (audit != null) {
      line(sb, "audit_lines", audit.written());
      line(sb, "audit_suppressed", audit.suppressed());
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, String name, long value) {
    sb.append(name).append(' ').append(value).append('\n');
  }

  /** Logs the one-line summary pflogd-style daemons end with. */
  String summary() {
    long frames = 0;
    long drops = 0;
    for (CaptureLoop loop : loops) {
      frames += loop.framesSeen();
      drops += loop.kernelDrops();
    }
    long queries = 0;
    if (server != null) {
      for (long n : server.answered().values()) {
        queries += n;
      }
    }
    return "frames " + frames + ", kernel drops " + drops + ", flows recorded "
        + ingest.recorded() + ", queries answered " + queries;
  }

  @Override
  public void close() {
    for (CaptureLoop loop : loops) {
      loop.stop();
    }
    if (conntrack != null) {
      conntrack.close();
    }
    if (server != null) {
      server.close();
    }
    housekeeping.shutdownNow();
    // one budget for all threads, so shutdown stays well inside the 2 s a service manager allows
    long deadline = System.nanoTime() + STOP_BUDGET_NANOS;
    for (Thread t : threads) {
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000L;
      if (leftMillis <= 0) {
        break;
      }
      try {
        t.join(leftMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Thread t : threads) {
      if (t.isAlive()) {
        logger.warn("stop: thread {} still running; exiting without it", t.getName());
      }
    }
    for (AutoCloseable c : extras) {
      try {
        c.close();
      } catch (Exception e) {
        logger.warn("stop: {}", e.toString());
      }
    }
  }
}
