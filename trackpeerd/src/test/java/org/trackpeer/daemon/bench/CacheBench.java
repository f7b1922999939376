package org.trackpeer.daemon.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.CacheStats;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.cache.FlowQuery;
import org.trackpeer.daemon.capture.DecodedFrame;

/**
 * Whole-cache measurements that JMH does not fit: heap per flow in steady state, the largest
 * cache a heap holds, heap flatness under a looped flood, and the longest single
 * {@code record} call while full buckets are being dropped.
 *
 * <p>Usage: {@code CacheBench perflow 4|6 CAP} (inserts 2 x CAP distinct flows, so the cache
 * has evicted and reuses pooled arrays), {@code CacheBench capacity N} (run with -Xmx2g),
 * {@code CacheBench flood CAP ROUNDS}, {@code CacheBench pause CAP RETENTION_SECONDS FLOWS}
 * (calls during which a garbage collection ran are reported apart), {@code CacheBench find CAP}
 * (fills a cache of CAP flows, then times keyed finds and a scan for any source port).
 * {@code find} reports CPU time of the measuring thread, which other processes on a loaded
 * machine disturb less than wall time.
 * Time is driven by a counter: one microsecond of monotonic and frame time per flow.
 */
public final class CacheBench {
  private static final long BASE_NANOS = BenchCapture.START_SECONDS * 1_000_000_000L;
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private final DecodedFrame frame = new DecodedFrame();
  private long now;
  private final FlowCache cache;
  private final int idx;

  private CacheBench(CacheConfig config) {
    cache = new FlowCache(config, () -> now);
    idx = cache.registerInterface("bench0");
  }

  /** Runs one measurement. */
  public static void main(String[] args) throws UnknownHostException {
    switch (args[0]) {
      case "perflow" -> perFlow(Integer.parseInt(args[1]), Long.parseLong(args[2]));
      case "capacity" -> capacity(Long.parseLong(args[1]));
      case "flood" -> flood(Long.parseLong(args[1]), Integer.parseInt(args[2]));
      case "find" -> find(Long.parseLong(args[1]));
      case "pause" ->
          pause(Long.parseLong(args[1]), Long.parseLong(args[2]), Long.parseLong(args[3]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private void insert(long i, boolean v6) {
    now += 1000;
    DecodedFrame f = frame;
    f.reset();
    f.timestampNanos = BASE_NANOS + now;
    f.hasSrcMac = true;
    f.srcMac = 0x02005e100000L | (i & 0x3FF);
    f.vlan = DecodedFrame.NO_VLAN;
    f.protocol = 17;
    f.hasPorts = true;
    // the flow hash leaves out the source address: vary the source port fastest
    f.srcPort = (int) (i & 0xFFFF);
    f.dstPort = 1 + (int) ((i >>> 16) & 0xFFF);
    if (v6) {
      f.ipVersion = 6;
      f.srcIpHi = 0x20010db800010000L;
      f.srcIpLo = 0x100 + ((i >>> 28) & 0xFF);
      f.dstIpHi = 0x20010db800020000L;
      f.dstIpLo = 1 + (i >>> 36);
    } else {
      f.ipVersion = 4;
      f.srcIp4 = 0xc0000200 | (int) ((i >>> 28) & 0xFF);
      f.dstIp4 = 0xcb007100 | (int) (1 + ((i >>> 36) & 0x7F));
    }
    cache.record(f, idx);
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  private static void perFlow(int family, long cap) {
    long before = heapAfterGc();
    CacheBench b = new CacheBench(cacheConfig(cap, 600));
    for (long i = 0; i < 2 * cap; i++) {
      b.insert(i, family == 6);
    }
    long after = heapAfterGc();
    CacheStats s = b.cache.stats();
    System.out.printf("memory ipv%d entries=%d heap=%d bytes-per-flow=%.1f%n",
        family, s.entries(), after - before, (double) (after - before) / s.entries());
  }

  private static void capacity(long n) {
    long before = heapAfterGc();
    CacheBench b = new CacheBench(cacheConfig(n, 3600));
    long t0 = System.nanoTime();
    for (long i = 0; i < n; i++) {
      b.insert(i, false);
    }
    long t1 = System.nanoTime();
    long after = heapAfterGc();
    CacheStats s = b.cache.stats();
    System.out.printf(
        "capacity entries=%d evicted=%d heap=%d max-heap=%d bytes-per-flow=%.1f insert-rate=%.0f%n",
        s.entries(), s.evictions(), after - before, Runtime.getRuntime().maxMemory(),
        (double) (after - before) / s.entries(), n * 1e9 / (t1 - t0));
  }

  private static void flood(long cap, int rounds) {
    CacheBench b = new CacheBench(cacheConfig(cap, 600));
    long[] heap = new long[rounds];
    long i = 0;
    for (int r = 0; r < rounds; r++) {
      for (long k = 0; k < cap; k++) {
        b.insert(i++, (k & 7) == 0);
      }
      heap[r] = heapAfterGc();
    }
    long[] steady = Arrays.copyOfRange(heap, 1, rounds);
    long min = Arrays.stream(steady).min().orElse(0);
    long max = Arrays.stream(steady).max().orElse(0);
    System.out.printf("flood cap=%d rounds=%d heap-after-gc=%s spread=%.2f%%%n",
        cap, rounds, Arrays.toString(heap), 100.0 * (max - min) / max);
  }

  private static void pause(long cap, long retentionSeconds, long flows) {
    CacheBench b = new CacheBench(cacheConfig(cap, retentionSeconds));
    long[] nanos = new long[(int) flows];
    long worst = 0;
    long worstAt = -1;
    long worstGc = 0;
    long gcCalls = 0;
    for (long i = 0; i < flows; i++) {
      long gc0 = gcCount();
      long t0 = System.nanoTime();
      b.insert(i, false);
      long d = System.nanoTime() - t0;
      nanos[(int) i] = d;
      if (gcCount() != gc0) {
        // a collection ran during this call: counted apart, it is not the cache's own pause
        gcCalls++;
        worstGc = Math.max(worstGc, d);
      } else if (d > worst && i > cap) {
        worst = d;
        worstAt = i;
      }
    }
    CacheStats s = b.cache.stats();
    StringBuilder top = new StringBuilder();
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    for (int i = 0, shown = 0; i < nanos.length && shown < 8; i++) {
      if (nanos[i] >= sorted[sorted.length - 8]) {
        top.append(' ').append(i).append('=').append(nanos[i] / 1000).append("us");
        shown++;
      }
    }
    System.out.println("slowest calls (index=time):" + top);
    // buckets close when full (time moves 1 us per flow, far slower than the bucket span), so
    // the calls that open a bucket, and with expiry running drop one, are at multiples of the
    // fill; FlowCache sizes it at 3/4 of 2^floor(log2(cap / 64)) slots, 2^4 to 2^17
    int log2 = Math.max(4, Math.min(17, 63 - Long.numberOfLeadingZeros(Math.max(1, cap / 64))));
    long fill = Math.min((3L << log2) >> 2, cap);
    long[] change = new long[(int) (flows / fill)];
    int n = 0;
    for (long i = fill * (cap / fill); i < flows; i += fill) {
      change[n++] = nanos[(int) i];
    }
    long[] changes = Arrays.copyOf(change, n);
    Arrays.sort(changes);
    if (n > 0) {
      System.out.printf("bucket-change calls=%d record-nanos median=%d max=%d%n",
          n, changes[n / 2], changes[n - 1]);
    }
    long[] tail = Arrays.copyOfRange(nanos, (int) Math.min(cap, flows / 2), nanos.length);
    Arrays.sort(tail);
    System.out.printf(
        "pause cap=%d expired=%d evicted=%d record-nanos p50=%d p99.9=%d p99.99=%d max=%d"
            + " (call %d) calls-with-gc=%d worst-with-gc=%d%n",
        cap, s.expired(), s.evictions(), tail[tail.length / 2],
        tail[(int) (tail.length * 0.999)], tail[(int) (tail.length * 0.9999)], worst, worstAt,
        gcCalls, worstGc);
  }

  private static void find(long cap) throws UnknownHostException {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    CacheBench b = new CacheBench(cacheConfig(cap, 600));
    long cpu0 = threads.getCurrentThreadCpuTime();
    for (long i = 0; i < cap; i++) {
      b.insert(i, false);
    }
    long insertCpu = threads.getCurrentThreadCpuTime() - cpu0;
    InetAddress dst = InetAddress.getByName("203.0.113.1");
    int rounds = 7;
    int perRound = 20_000;
    double[] fiveTuple = new double[rounds];
    double[] natForm = new double[rounds];
    long found = 0;
    for (int r = 0; r < rounds; r++) {
      for (int form = 0; form < 2; form++) {
        long t0 = threads.getCurrentThreadCpuTime();
        for (int k = 0; k < perRound; k++) {
          long i = ((r * 2L + form) * perRound + k) * 7919L % cap;
          // flow i was recorded at one microsecond per flow from the start
          long wall = BASE_NANOS + (i + 1) * 1000L;
          InetAddress src =
              form == 0 ? InetAddress.getByAddress(ip4(0xc0000200 | (int) ((i >>> 28) & 0xFF)))
                  : null;
          FlowQuery q = new FlowQuery(17, src, (int) (i & 0xFFFF), dst,
              1 + (int) ((i >>> 16) & 0xFFF), wall - 5_000_000_000L, wall + 5_000_000_000L, 16);
          found += b.cache.find(q).matches().size();
        }
        double us = (threads.getCurrentThreadCpuTime() - t0) / 1e3 / perRound;
        (form == 0 ? fiveTuple : natForm)[r] = us;
      }
    }
    long s0 = threads.getCurrentThreadCpuTime();
    int scans = 5;
    for (int k = 0; k < scans; k++) {
      // a destination port no flow has: the whole cache is scanned, nothing is found
      b.cache.find(new FlowQuery(17, null, FlowQuery.ANY_PORT, dst, 60000,
          BASE_NANOS, BASE_NANOS + (cap + 1) * 1000L, 100_000));
    }
    double scanMs = (threads.getCurrentThreadCpuTime() - s0) / 1e6 / scans;
    Arrays.sort(fiveTuple);
    Arrays.sort(natForm);
    System.out.printf("find entries=%d buckets=%d insert-cpu-ns=%.0f found=%d"
            + " cpu-us five-tuple median=%.2f (%.2f-%.2f) nat-form median=%.2f (%.2f-%.2f)"
            + " scan-cpu-ms=%.1f%n",
        b.cache.stats().entries(), b.cache.stats().buckets(), (double) insertCpu / cap, found,
        fiveTuple[rounds / 2], fiveTuple[0], fiveTuple[rounds - 1], natForm[rounds / 2],
        natForm[0], natForm[rounds - 1], scanMs);
  }

  private static byte[] ip4(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  private static long gcCount() {
    long n = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += gc.getCollectionCount();
    }
    return n;
  }

  private static CacheConfig cacheConfig(long cap, long retentionSeconds) {
    return new CacheConfig(retentionSeconds * 1_000_000_000L, 5_000_000_000L, cap, 1.0);
  }
}
