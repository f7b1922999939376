package org.trackpeer.daemon.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.cache.FlowQuery;
import org.trackpeer.daemon.cache.Lookup;
import org.trackpeer.daemon.capture.DecodedFrame;

/**
 * Flow cache operations: inserting new flows (a SYN flood; the cap makes it evict whole
 * buckets in steady state), updating a known flow, finding one flow by its full key in a cache
 * of a million flows, and expiring (a record call that first drops every bucket).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class FlowCacheBenchmark {
  private static final long BASE_NANOS = BenchCapture.START_SECONDS * 1_000_000_000L;
  private static final int FILLED = 1_000_000;

  private long now;
  private final DecodedFrame frame = new DecodedFrame();
  private FlowCache cache;
  private int idx;
  private int counter;
  private InetAddress dst;

  /** A cache holding {@value #FILLED} flows. */
  @Setup(Level.Trial)
  public void setUp() throws UnknownHostException {
    cache = new FlowCache(CacheConfig.defaults().withMaxEntries(2_000_000), () -> now);
    idx = cache.registerInterface("bench0");
    for (int i = 0; i < FILLED; i++) {
      flow(i);
      cache.record(frame, idx);
    }
    dst = InetAddress.getByName("203.0.113.10");
  }

  private void flow(int i) {
    frame.reset();
    frame.timestampNanos = BASE_NANOS + now;
    frame.hasSrcMac = true;
    frame.srcMac = 0x02005e100000L | (i & 0xFF);
    frame.vlan = DecodedFrame.NO_VLAN;
    frame.ipVersion = 4;
    frame.protocol = 6;
    frame.hasPorts = true;
    // the flow hash leaves out the source address: vary the source port fastest
    frame.srcIp4 = 0xc0000200 | ((i >>> 16) & 0xFF);
    frame.dstIp4 = 0xcb00710a;
    frame.srcPort = i & 0xFFFF;
    frame.dstPort = 80 + (i >>> 24);
  }

  /** Inserts a new flow each call. */
  @Benchmark
  public void insertNew() {
    flow(FILLED + counter++);
    cache.record(frame, idx);
  }

  /** Updates the last-seen time of a flow already held. */
  @Benchmark
  public void updateKnown() {
    flow(counter++ % FILLED);
    cache.record(frame, idx);
  }

  /** Finds one flow by protocol, source port and destination. */
  @Benchmark
  public Lookup findOne() {
    int i = (counter++ * 7919) % FILLED;
    FlowQuery q =
        new FlowQuery(6, null, i & 0xFFFF, dst, 80 + (i >>> 24),
            BASE_NANOS - 1_000_000_000L, BASE_NANOS + 3_600_000_000_000L, 16);
    return cache.find(q);
  }

  /** A full cache: every call advances time past the retention and expires the oldest buckets. */
  @State(Scope.Thread)
  public static class Expiring {
    long now;
    FlowCache cache;
    int idx;
    final DecodedFrame frame = new DecodedFrame();

    /** A cache of 100,000 flows in 5-second buckets, refilled before each call. */
    @Setup(Level.Invocation)
    public void fill() {
      cache = new FlowCache(
          new CacheConfig(600_000_000_000L, 5_000_000_000L, 100_000, 1.0), () -> now);
      idx = cache.registerInterface("bench0");
      for (int i = 0; i < 100_000; i++) {
        now += 500_000L;
        frame.reset();
        frame.timestampNanos = BASE_NANOS + now;
        frame.ipVersion = 4;
        frame.protocol = 17;
        frame.hasPorts = true;
        frame.vlan = DecodedFrame.NO_VLAN;
        frame.srcIp4 = 0xc0000200 | ((i >>> 16) & 0xFF);
        frame.dstIp4 = 0xcb00710a;
        frame.srcPort = i & 0xFFFF;
        frame.dstPort = 53;
        cache.record(frame, idx);
      }
      now += 601_000_000_000L;
    }
  }

  /** One record call that finds the whole cache expired and drops every bucket first. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Measurement(iterations = 20)
  @Warmup(iterations = 5)
  public void expireAll(Expiring e) {
    e.frame.timestampNanos = BASE_NANOS + e.now;
    e.cache.record(e.frame, e.idx);
  }
}
