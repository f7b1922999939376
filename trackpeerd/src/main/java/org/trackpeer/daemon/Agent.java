package org.trackpeer.daemon;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
  private final List<Supplier<Map<String, Long>>> counterSources = new CopyOnWriteArrayList<>();
  private final TranslationLog translations;
  private final CapturePairing pairing;
  private ConntrackWatcher conntrack;
  private QueryServer server;
  private QueryHandler handler;
  private List<InetAddress> listening = List.of();
  private volatile List<Cidr> allow;
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
    this.allow = config.allow();
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
    handler =
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
        keys = DaemonConfig.readAuthKeys(config.authKeyFile());
      } catch (ConfigException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
    QueryGuard guard = new QueryGuard(
        new QueryGuard.Settings(config.ratePerClient(), config.ratePerClientBurst(),
            config.rateTotal(), config.rateTotalBurst(), config.rateRefusals(), keys),
        System::nanoTime,
        () -> Math.floorDiv(System.currentTimeMillis(), 1000L));
    listening = new ArrayList<>();
    for (InetAddress a : config.listen()) {
      if (DaemonConfig.LOOPBACK.contains(a) && !hostHolds(a)) {
        logger.info("{} is not on this host: no query port there", a.getHostAddress());
      } else {
        listening.add(a);
      }
    }
    server = new QueryServer(
        listening, config.port(), handler, this::allowed, this::stats, guard);
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

  /** Returns the addresses the query port is bound to. */
  List<InetAddress> listening() {
    return List.copyOf(listening);
  }

  private static boolean hostHolds(InetAddress a) {
    try {
      return java.net.NetworkInterface.getByInetAddress(a) != null;
    } catch (java.net.SocketException e) {
      return false;
    }
  }

  /** Starts capture on every interface, or on the capture file. */
  void startCapture(List<String> interfaces) {
    CaptureLoop.Settings s =
        new CaptureLoop.Settings(
            config.snaplen(), config.bufferBytes(), 20, config.filter(), config.captureNice(),
            config.captureReader().equals("ring"));
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

  /** True when every capture source is a file that has been read to its end. */
  boolean filesRead() {
    if (loops.isEmpty()) {
      return false;
    }
    for (CaptureLoop loop : loops) {
      if (!loop.finished()) {
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
    for (Cidr c : allow) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** Adds counters from a part started later (neighbour logging), read on every report. */
  void addCounters(Supplier<Map<String, Long>> source) {
    counterSources.add(source);
  }

  /**
   * Applies the keys of {@code next} that can change while running (see {@link #LIVE_KEYS});
   * the flow cache is kept.
   *
   * @return the configuration keys of other settings that differ and wait for a restart
   */
  List<String> reload(DaemonConfig next) {
    List<String> pending = new ArrayList<>();
    for (RecordComponent rc : DaemonConfig.class.getRecordComponents()) {
      String key = DaemonConfig.keyOf(rc.getName());
      if (rc.getName().equals("source") || LIVE_KEYS.contains(key)) {
        continue;
      }
      try {
        Method get = rc.getAccessor();
        if (!Objects.equals(get.invoke(config), get.invoke(next))) {
          pending.add(key);
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    allow = next.allow();
    local.reconfigure(next.ignoreMacs(), next.natAddresses());
    if (handler != null) {
      handler.update(new QueryHandler.Settings(config.retentionSeconds() * NANOS,
          next.toleranceSeconds(), next.wildcard(), next.wildcardMax()));
    }
    return pending;
  }

  /** The configuration keys {@link #reload} applies; every other key waits for a restart. */
  static final List<String> LIVE_KEYS = List.of("allow", "tolerance", "wildcard",
      "wildcard-max", "nat-addresses", "ignore-macs");

  /**
   * Returns the counters as {@code name value} lines. A stats reply is at most one datagram,
   * so per-reason counters (decode outcomes, rejections, results, guard counters) that are
   * zero are left out; {@link #counters()} and the Prometheus endpoint list them all.
   */
  String stats() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Long> e : counters().entrySet()) {
      if (e.getValue() == 0 && isPerReason(e.getKey())) {
        continue;
      }
      sb.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
    }
    return sb.toString();
  }

  private static boolean isPerReason(String name) {
    return name.startsWith("decode_") || name.startsWith("queries_")
        || name.startsWith("query_") || name.startsWith("cache_rejected_")
        || name.startsWith("neighbour_") || name.startsWith("syslog_")
        || name.startsWith("audit_") || name.startsWith("nat_")
        || name.startsWith("conntrack_") || name.startsWith("pairing_");
  }

  /** Returns every counter by name, in report order; the numbers behind {@link #stats()}. */
  Map<String, Long> counters() {
    Map<String, Long> m = new LinkedHashMap<>();
    long frames = 0;
    long drops = 0;
    DecodeCounters sum = new DecodeCounters();
    for (CaptureLoop loop : loops) {
      frames += loop.framesSeen();
      drops += loop.kernelDrops();
      sum.add(loop.counters());
    }
    m.put("ready", ready() ? 1L : 0L);
    m.put("frames_seen", frames);
    m.put("capture_drops", drops);
    for (DecodeOutcome o : DecodeOutcome.values()) {
      m.put("decode_" + o.name().toLowerCase(Locale.ROOT), sum.get(o));
    }
    m.put("frames_own", ingest.ownFrames());
    m.put("frames_recorded", ingest.recorded());
    CacheStats cs = cache.stats();
    m.put("cache_entries_v4", (long) cs.entriesV4());
    m.put("cache_entries_v6", (long) cs.entriesV6());
    m.put("cache_buckets", (long) cs.buckets());
    m.put("cache_bytes", cs.approxBytes());
    m.put("cache_evictions", cs.evictions());
    m.put("cache_expired", cs.expired());
    m.put("cache_rejected_share", cs.rejectedByShare());
    m.put("cache_rejected_collision", cs.rejectedByCollision());
    if (server != null) {
      for (Map.Entry<ResultCode, Long> e : server.answered().entrySet()) {
        m.put("queries_" + e.getKey().label(), e.getValue());
      }
      for (Map.Entry<ProtocolException.Reason, Long> e : server.rejected().entrySet()) {
        m.put("query_rejected_" + e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
      }
      m.put("query_refused", server.refused());
      for (Map.Entry<String, Long> e : server.guardCounters().entrySet()) {
        m.put(e.getKey(), e.getValue());
      }
    }
    TranslationLog.Stats ts = translations.stats();
    m.put("nat_translations", (long) ts.entries());
    m.put("nat_translations_recorded", (long) ts.recorded());
    m.put("nat_translations_evicted", (long) ts.evicted());
    m.put("nat_loss_events", (long) ts.lossEvents());
    m.put("nat_resyncs", (long) ts.resyncs());
    if (conntrack != null) {
      ConntrackWatcher.Stats cs2 = conntrack.stats();
      m.put("conntrack_events", (long) cs2.events());
      m.put("conntrack_malformed", (long) cs2.malformed());
    }
    if (pairing != null) {
      CapturePairing.Stats ps;
      synchronized (pairing) {
        ps = pairing.stats();
      }
      m.put("pairing_paired", (long) ps.paired());
      m.put("pairing_ambiguous", (long) ps.ambiguous());
      m.put("pairing_expired", (long) ps.expired());
    }
    if (audit != null) {
      m.put("audit_lines", audit.written());
      m.put("audit_suppressed", audit.suppressed());
    }
    Runtime rt = Runtime.getRuntime();
    m.put("memory_heap_used_bytes", rt.totalMemory() - rt.freeMemory());
    m.put("memory_heap_max_bytes", rt.maxMemory());
    for (Supplier<Map<String, Long>> source : counterSources) {
      m.putAll(source.get());
    }
    return m;
  }

  /** Logs the one-line summary pflogd-style daemons end with. */
  String summary() {
    // read before the frame counts: a frame is counted as seen before it is recorded, so a
    // summary taken while capture still runs never shows more flows than frames
    long recorded = ingest.recorded();
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
        + recorded + ", queries answered " + queries;
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
