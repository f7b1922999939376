package org.trackpeer.daemon.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.daemon.cache.Frames.T0;
import static org.trackpeer.daemon.cache.Frames.TCP;
import static org.trackpeer.daemon.cache.Frames.UDP;
import static org.trackpeer.daemon.cache.Frames.addr;

import java.lang.reflect.Field;
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
 * missing record. A second test looks up flows while their buckets are evicted: each answer
 * must find the flow or say incomplete, never answer "not there" for a window it lost.
 */
final class FlowCacheLockFreeReadTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;
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
    FlowCache cache = new FlowCache(
        new CacheConfig(600 * SECOND, 5 * SECOND, 50_000, 1.0), Ticker.SYSTEM);
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
          FlowQuery q = new FlowQuery(k % 2 == 0 ? TCP : UDP,
              nat ? null : addr(anchorSource(k)), 10_000 + k, server, 443,
              T0 - 3_600_000_000_000L, T0 + 3_600_000_000_000L, 16);
          String problem = check(cache.find(q), k);
          if (problem != null) {
            failure.compareAndSet(null, problem);
          }
          lookups.incrementAndGet();
        }
      }, "reader-" + r));
    }
    run(writer, readers, stop, failure);
    assertEquals(null, failure.get());
    long[] counts = cache.findCounts();
    // a slow machine records and looks up less; these only show that both sides ran a while
    assertTrue(noise.get() > 50_000, "noise frames recorded: " + noise.get());
    assertTrue(cache.stats().evictions() > 10_000, "evictions: " + cache.stats().evictions());
    assertTrue(lookups.get() > 100, "lookups: " + lookups.get());
    assertTrue(counts[0] > counts[1],
        "lock-free lookups " + counts[0] + " against locked " + counts[1]);
  }

  /** A cache holding known flow 0, its structure sequence made odd as {@link #stepStructure}. */
  private static FlowCache oneFlowMidChange() throws ReflectiveOperationException {
    FlowCache cache = new FlowCache(
        new CacheConfig(600 * SECOND, 5 * SECOND, 50_000, 1.0), Ticker.SYSTEM);
    cache.record(anchorFrame(0, T0), cache.registerInterface("eth1"));
    stepStructure(cache);
    return cache;
  }

  /**
   * Moves the structure sequence one step, as a capture thread does when it begins or ends a
   * change (dropping a bucket).
   */
  private static void stepStructure(FlowCache cache) throws ReflectiveOperationException {
    Field structure = FlowCache.class.getDeclaredField("structure");
    structure.setAccessible(true);
    structure.setLong(cache, structure.getLong(cache) + 1);
  }

  private static FlowQuery flowZero() {
    return new FlowQuery(TCP, addr(anchorSource(0)), 10_000, addr(SERVER4), 443, T0 - SECOND,
        T0 + SECOND, 16);
  }

  @Test
  void find_writerStoppedInTheMiddleOfAChange_waitsForItWithoutTheLock() throws Exception {
    // a capture thread stopped between the two halves of dropping a bucket
    FlowCache cache = oneFlowMidChange();
    // long enough for this thread to answer on a busy machine
    cache.pauseBudgetNanos = 60 * SECOND;
    AtomicReference<Lookup> answer = new AtomicReference<>();
    Thread reader = new Thread(() -> answer.set(cache.find(flowZero())), "reader");
    reader.start();
    // the writer goes on once the lookup has begun to pause
    long deadline = System.nanoTime() + 10 * SECOND;
    while (reader.getState() != Thread.State.TIMED_WAITING && reader.isAlive()
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    stepStructure(cache);
    reader.join(10_000);

    assertEquals(1, answer.get().matches().size());
    assertEquals(MacAddress.of(anchorMac(0)), answer.get().matches().get(0).mac());
    long[] counts = cache.findCounts();
    assertEquals(1, counts[0], "answered without the lock");
    assertEquals(0, counts[1], "the lock was not taken");
  }

  @Test
  void find_changeInProgressBeyondTheBudget_takesTheLockAfterTheBudget() throws Exception {
    // the structure sequence odd for good, as if a writer never came back; the lock is free
    FlowCache cache = oneFlowMidChange();
    cache.pauseBudgetNanos = 2 * MILLI;

    long t0 = System.nanoTime();
    Lookup answer = cache.find(flowZero());
    long waited = System.nanoTime() - t0;

    assertEquals(1, answer.matches().size());
    assertEquals(MacAddress.of(anchorMac(0)), answer.matches().get(0).mac());
    long[] counts = cache.findCounts();
    assertEquals(0, counts[0]);
    assertEquals(1, counts[1], "answered under the lock");
    assertTrue(waited >= 2 * MILLI, "waited " + waited + " ns before the lock");
  }

  @Test
  void find_whileTheFlowsBucketIsEvicted_findsItOrAnswersIncomplete() throws Exception {
    // every round is a new bucket (the ticker moves past the span) of 16 known flows and 300
    // others, each round 1 ms of wall time later; a 50,000 cap keeps about 158 rounds
    ManualTicker ticker = new ManualTicker(5_000 * SECOND);
    FlowCache cache = new FlowCache(
        new CacheConfig(1_000_000 * SECOND, 5 * SECOND, 50_000, 1.0), ticker);
    int eth = cache.registerInterface("eth1");
    int known = 16;
    AtomicLong round = new AtomicLong(-1);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong lookups = new AtomicLong();
    AtomicLong foundOrIncomplete = new AtomicLong();
    AtomicReference<String> failure = new AtomicReference<>();
    Thread writer = new Thread(() -> {
      SplittableRandom random = new SplittableRandom(1);
      DecodedFrame other =
          Frames.v4(0x02_00_00_00_00_02L, "192.0.2.200", 1, "198.51.100.1", 80, T0);
      for (long c = 0; !stop.get(); c++) {
        ticker.set(5_000 * SECOND + c * 6 * SECOND);
        long wall = T0 + c * MILLI;
        for (int k = 0; k < known; k++) {
          cache.record(Frames.v4(anchorMac(k), "192.0.2." + (k + 1), 10_000 + k, SERVER4, 443,
              wall), eth);
        }
        for (int i = 0; i < 300; i++) {
          other.srcPort = random.nextInt(1, 65536);
          other.dstIp4 = Frames.ip4("198.51.100.0") | random.nextInt(256);
          other.timestampNanos = wall;
          cache.record(other, eth);
        }
        round.set(c);
      }
    }, "writer");
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      int seed = r;
      readers.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(seed + 2);
        while (!stop.get() && failure.get() == null) {
          long c = round.get() - random.nextInt(145, 170);
          if (c < 0) {
            continue;
          }
          int k = random.nextInt(known);
          long wall = T0 + c * MILLI;
          Lookup l = cache.find(new FlowQuery(TCP, addr("192.0.2." + (k + 1)), 10_000 + k,
              addr(SERVER4), 443, wall, wall, 4));
          lookups.incrementAndGet();
          if (!l.matches().isEmpty() || l.incomplete()) {
            foundOrIncomplete.incrementAndGet();
          } else {
            failure.compareAndSet(null, "flow " + k + " of round " + c
                + " neither found nor incomplete (now at round " + round.get() + ")");
          }
        }
      }, "reader-" + r));
    }
    run(writer, readers, stop, failure);
    assertEquals(null, failure.get());
    assertTrue(lookups.get() > 100, "lookups: " + lookups.get());
    assertEquals(lookups.get(), foundOrIncomplete.get());
    assertTrue(cache.stats().evictions() > 0, "evictions: " + cache.stats().evictions());
  }

  /** Runs the threads for {@link #RUN_NANOS}, or until one reports a failure. */
  private static void run(Thread writer, List<Thread> readers, AtomicBoolean stop,
      AtomicReference<String> failure) throws InterruptedException {
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
