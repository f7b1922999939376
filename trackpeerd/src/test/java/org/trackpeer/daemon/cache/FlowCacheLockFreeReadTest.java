package org.trackpeer.daemon.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.daemon.cache.Frames.T0;
import static org.trackpeer.daemon.cache.Frames.TCP;
import static org.trackpeer.daemon.cache.Frames.UDP;
import static org.trackpeer.daemon.cache.Frames.addr;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.PeerRecord;

/**
 * Keyed lookups read the cache without its lock while a capture thread records into it. Here
 * one thread records noise fast enough to open and recycle buckets many times a second (a small
 * cap), IPv4 and IPv6, and refreshes a set of known flows; two threads look the known flows up
 * all the while. Every answer must name the known flow's own MAC and ports, and the flow must
 * be found: a lookup that read a bucket half written or recycled would show up as a wrong or
 * missing record.
 */
final class FlowCacheLockFreeReadTest {
  private static final int ANCHORS = 64;
  private static final long RUN_NANOS = 1_500_000_000L;
  private static final String SERVER4 = "203.0.113.7";
  private static final String SERVER6 = "2001:db8:ffff::7";

  private static long anchorMac(int k) {
    return 0x02_00_5e_00_00_00L | k;
  }

  private static String anchorSource(int k) {
    return k % 2 == 0 ? "192.0.2." + (k + 1) : "2001:db8::" + Integer.toHexString(k + 1);
  }

  private static DecodedFrame anchorFrame(int k, long wall) {
    return k % 2 == 0
        ? Frames.v4(anchorMac(k), anchorSource(k), 10_000 + k, SERVER4, 443, wall)
        : Frames.v6(anchorMac(k), anchorSource(k), 10_000 + k, SERVER6, 443, wall);
  }

  @Test
  void find_whileRecordsRecycleBuckets_alwaysFindsTheKnownFlowsWithTheirOwnMac()
      throws Exception {
    // a 50,000 cap makes buckets of 384 entries: the noise opens and evicts thousands of them
    FlowCache cache = new FlowCache(new CacheConfig(600_000_000_000L, 5_000_000_000L, 50_000, 1.0),
        Ticker.SYSTEM);
    int eth = cache.registerInterface("eth1");
    for (int k = 0; k < ANCHORS; k++) {
      cache.record(anchorFrame(k, T0), eth);
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<String> failure = new AtomicReference<>();
    AtomicLong lookups = new AtomicLong();
    AtomicLong noise = new AtomicLong();

    Thread writer = new Thread(() -> {
      SplittableRandom random = new SplittableRandom(7);
      DecodedFrame v4 = Frames.v4(0x02_00_00_00_00_01L, "192.0.2.200", 1, "198.51.100.1", 80, T0);
      DecodedFrame v6 = Frames.v6(0x02_00_00_00_00_02L, "2001:db8::200", 1, "2001:db8:eeee::1",
          80, T0);
      long n = 0;
      while (!stop.get()) {
        for (int i = 0; i < 5_000; i++, n++) {
          DecodedFrame f = random.nextInt(4) == 0 ? v6 : v4;
          f.srcPort = random.nextInt(1, 65536);
          f.srcMac = 0x02_00_00_00_00_00L | random.nextInt(1 << 20);
          f.timestampNanos = T0 + random.nextLong(1_000_000_000L);
          if (f == v4) {
            f.dstIp4 = Frames.ip4("198.51.100.0") | random.nextInt(256);
          } else {
            f.dstIpLo = random.nextLong();
          }
          cache.record(f, eth);
        }
        // the known flows again, each time later, so they stay in the newest buckets
        for (int k = 0; k < ANCHORS; k++) {
          cache.record(anchorFrame(k, T0 + n), eth);
        }
      }
      noise.set(n);
    }, "writer");

    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      int seed = r;
      readers.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(seed);
        while (!stop.get() && failure.get() == null) {
          int k = random.nextInt(ANCHORS);
          boolean nat = random.nextBoolean();
          InetAddress server = addr(k % 2 == 0 ? SERVER4 : SERVER6);
          // the IPv4 known flows are TCP, the IPv6 ones UDP (as Frames makes them)
          FlowQuery q = new FlowQuery(k % 2 == 0 ? TCP : UDP, nat ? null : addr(anchorSource(k)), 10_000 + k,
              server, 443, T0 - 3_600_000_000_000L, T0 + 3_600_000_000_000L, 16);
          String problem = check(cache.find(q), k);
          if (problem != null) {
            failure.compareAndSet(null, problem);
          }
          lookups.incrementAndGet();
        }
      }, "reader-" + r));
    }
    writer.start();
    readers.forEach(Thread::start);
    long end = System.nanoTime() + RUN_NANOS;
    while (System.nanoTime() < end && failure.get() == null) {
      Thread.sleep(20);
    }
    stop.set(true);
    writer.join(10_000);
    for (Thread t : readers) {
      t.join(10_000);
    }
    assertEquals(null, failure.get());
    long[] counts = cache.findCounts();
    assertTrue(noise.get() > 200_000, "noise frames recorded: " + noise.get());
    assertTrue(cache.stats().evictions() > 100_000, "evictions: " + cache.stats().evictions());
    assertTrue(lookups.get() > 1_000, "lookups: " + lookups.get());
    assertTrue(counts[0] > counts[1],
        "lock-free lookups " + counts[0] + " against locked " + counts[1]);
  }

  /** Returns what is wrong with the answer for known flow {@code k}, or null. */
  private static String check(Lookup lookup, int k) {
    if (lookup.matches().isEmpty()) {
      return "flow " + k + " not found (incomplete=" + lookup.incomplete() + ")";
    }
    for (PeerRecord r : lookup.matches()) {
      if (!MacAddress.of(anchorMac(k)).equals(r.mac())
          || r.insidePort() != 10_000 + k
          || r.destinationPort() != 443
          || !r.insideAddress().equals(addr(anchorSource(k)))
          || r.firstSeenNanos() > r.lastSeenNanos()
          || r.firstSeenNanos() < T0) {
        return "flow " + k + " answered with " + r;
      }
    }
    return null;
  }
}
