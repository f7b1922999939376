package org.trackpeer.daemon.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.daemon.cache.Frames.T0;
import static org.trackpeer.daemon.cache.Frames.TCP;
import static org.trackpeer.daemon.cache.Frames.UDP;
import static org.trackpeer.daemon.cache.Frames.addr;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.PeerRecord;

final class FlowCacheTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;
  private static final long MAC_A = 0x02_00_00_00_00_0AL;
  private static final long MAC_B = 0x02_00_00_00_00_0BL;

  private final ManualTicker ticker = new ManualTicker(5_000 * SECOND);

  private FlowCache cache(long retentionSeconds, long maxEntries, double share) {
    return new FlowCache(
        new CacheConfig(retentionSeconds * SECOND, 5 * SECOND, maxEntries, share), ticker);
  }

  private static FlowQuery exact(
      String src, int srcPort, String dst, int dstPort, long from, long to) {
    return new FlowQuery(TCP, addr(src), srcPort, addr(dst), dstPort, from, to, 10);
  }

  @Test
  void find_exactFiveTuple_returnsOnlyThatFlow() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 443, T0), eth1);
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40001, "203.0.113.5", 443, T0), eth1);
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 8443, T0), eth1);
    cache.record(Frames.v4(MAC_B, "192.0.2.11", 40000, "203.0.113.5", 443, T0), eth1);

    Lookup hit =
        cache.find(exact("192.0.2.10", 40000, "203.0.113.5", 443, T0 - SECOND, T0 + SECOND));

    assertEquals(1, hit.matches().size());
    PeerRecord r = hit.matches().get(0);
    assertEquals(MacAddress.of(MAC_A), r.mac());
    assertEquals(addr("192.0.2.10"), r.insideAddress());
    assertEquals(40000, r.insidePort());
    assertEquals(addr("203.0.113.5"), r.destination());
    assertEquals(443, r.destinationPort());
    assertEquals(-1, r.vlan());
    assertEquals("eth1", r.interfaceName());
    assertEquals(T0, r.firstSeenNanos());
    assertEquals(T0, r.lastSeenNanos());
    assertFalse(hit.truncated());
    assertFalse(hit.incomplete());

    Lookup later =
        cache.find(exact("192.0.2.10", 40000, "203.0.113.5", 443, T0 + 1, T0 + SECOND));
    assertTrue(later.matches().isEmpty());
  }

  @Test
  void find_natFormWithoutSourceAddress_returnsBothInsideHosts() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 50000, "198.51.100.7", 80, T0), eth1);
    cache.record(Frames.v4(MAC_B, "192.0.2.11", 50000, "198.51.100.7", 80, T0 + MILLI), eth1);
    cache.record(Frames.v4(MAC_B, "192.0.2.11", 50001, "198.51.100.7", 80, T0), eth1);

    Lookup hit =
        cache.find(
            new FlowQuery(TCP, null, 50000, addr("198.51.100.7"), 80, T0, T0 + SECOND, 10));

    assertEquals(2, hit.matches().size());
    Set<MacAddress> macs =
        hit.matches().stream().map(PeerRecord::mac).collect(Collectors.toSet());
    assertEquals(Set.of(MacAddress.of(MAC_A), MacAddress.of(MAC_B)), macs);
    assertEquals(addr("192.0.2.11"), hit.matches().get(0).insideAddress(), "newest first");
  }

  @Test
  void find_refusedInAnOlderBucket_onlyItsWindowIncomplete() {
    FlowCache cache = cache(600, 200_000, 0.0025);
    int eth1 = cache.registerInterface("eth1");
    long start = ticker.read();
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 443, T0), eth1);
    // one MAC may hold 500 entries: 100 of these are refused, all at T0 + 1 ms
    DecodedFrame f = Frames.v4(0x02_66_66_66_66_66L, "198.51.100.66", 1, "203.0.113.99", 1,
        T0 + MILLI);
    for (int i = 0; i < 600; i++) {
      f.srcPort = 1 + i;
      cache.record(f, eth1);
    }
    assertEquals(100, cache.stats().rejectedByShare());
    // later buckets, so that the refusals lie in an older one
    for (long sec : new long[] {6, 12}) {
      ticker.set(start + sec * SECOND);
      cache.record(
          Frames.v4(MAC_A, "192.0.2.11", 40001, "203.0.113.5", 443, T0 + sec * SECOND), eth1);
    }
    assertEquals(3, cache.stats().buckets());

    Lookup old = cache.find(exact("192.0.2.10", 40000, "203.0.113.5", 443, T0, T0 + SECOND));
    assertEquals(1, old.matches().size());
    assertTrue(old.incomplete(), "the window had refused flows");
    Lookup later = cache.find(exact("192.0.2.11", 40001, "203.0.113.5", 443,
        T0 + 6 * SECOND, T0 + 7 * SECOND));
    assertEquals(1, later.matches().size());
    assertEquals(T0 + 6 * SECOND, later.matches().get(0).firstSeenNanos());
    assertEquals(T0 + 12 * SECOND, later.matches().get(0).lastSeenNanos());
    assertFalse(later.incomplete());
  }

  /**
   * Records the flow from {@code src}:40000 to 203.0.113.5:443 once at each of {@code seconds}
   * after T0, the ticker moved as far past {@code start}.
   */
  private void recordAt(
      FlowCache cache, int eth, long start, long mac, String src, long... seconds) {
    for (long s : seconds) {
      ticker.set(start + s * SECOND);
      cache.record(Frames.v4(mac, src, 40000, "203.0.113.5", 443, T0 + s * SECOND), eth);
    }
  }

  @Test
  void find_flowAcrossBuckets_mergesOverallFirstAndLast() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    recordAt(cache, eth1, ticker.read(), MAC_A, "192.0.2.10", 0, 3, 6, 12);
    assertEquals(3, cache.stats().buckets());
    assertEquals(3, cache.stats().entriesV4());

    Lookup hit =
        cache.find(
            exact(
                "192.0.2.10", 40000, "203.0.113.5", 443, T0 + 5 * SECOND, T0 + 7 * SECOND));

    assertEquals(1, hit.matches().size());
    assertEquals(T0, hit.matches().get(0).firstSeenNanos());
    assertEquals(T0 + 12 * SECOND, hit.matches().get(0).lastSeenNanos());
    assertEquals(T0, cache.oldestWallNanos());
    assertEquals(T0 + 12 * SECOND, cache.newestWallNanos());
  }

  @Test
  void find_windowInOldestBucket_mergesEveryNewerBucketAndMissesOutsideWindow() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    long start = ticker.read();
    // one bucket per 5 s: the flow has an entry in each of the four oldest, the other flow
    // alone in the newest
    recordAt(cache, eth1, start, MAC_A, "192.0.2.10", 0, 6, 12, 18);
    recordAt(cache, eth1, start, MAC_B, "192.0.2.11", 24);
    assertEquals(5, cache.stats().buckets());

    Lookup oldest =
        cache.find(exact("192.0.2.10", 40000, "203.0.113.5", 443, T0 - SECOND, T0 + SECOND));
    assertEquals(1, oldest.matches().size());
    assertEquals(MacAddress.of(MAC_A), oldest.matches().get(0).mac());
    assertEquals(T0, oldest.matches().get(0).firstSeenNanos());
    assertEquals(T0 + 18 * SECOND, oldest.matches().get(0).lastSeenNanos());

    // a window between the buckets: no entry lies in it, so nothing is found
    Lookup between =
        cache.find(exact("192.0.2.10", 40000, "203.0.113.5", 443, T0 + 2 * SECOND,
            T0 + 4 * SECOND));
    assertTrue(between.matches().isEmpty());
    assertFalse(between.incomplete());

    // the other sender: found only in the newest bucket, with its own times
    Lookup other = cache.find(
        exact("192.0.2.11", 40000, "203.0.113.5", 443, T0 + 20 * SECOND, T0 + 30 * SECOND));
    assertEquals(1, other.matches().size());
    assertEquals(T0 + 24 * SECOND, other.matches().get(0).firstSeenNanos());
  }

  @Test
  void find_anySourcePort_mergesEntriesOutsideWindowInNewerAndUnscannedBuckets() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    long start = ticker.read();
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 443, T0), eth1);
    ticker.set(start + 6 * SECOND);
    cache.record(
        Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 443, T0 + 6 * SECOND), eth1);
    ticker.set(start + 12 * SECOND);
    // the newest bucket overlaps the window through another flow's late frame only
    cache.record(
        Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 443, T0 + 12 * SECOND), eth1);
    cache.record(
        Frames.v4(MAC_B, "192.0.2.11", 40001, "203.0.113.5", 443, T0 + 6500 * MILLI), eth1);
    assertEquals(3, cache.stats().buckets());

    Lookup all =
        cache.find(
            new FlowQuery(TCP, null, FlowQuery.ANY_PORT, addr("203.0.113.5"), 443,
                T0 + 5 * SECOND, T0 + 7 * SECOND, 10));

    assertEquals(2, all.matches().size());
    assertFalse(all.truncated());
    PeerRecord spanning = all.matches().get(0);
    assertEquals(40000, spanning.insidePort());
    assertEquals(T0, spanning.firstSeenNanos());
    assertEquals(T0 + 12 * SECOND, spanning.lastSeenNanos());
    PeerRecord late = all.matches().get(1);
    assertEquals(40001, late.insidePort());
    assertEquals(T0 + 6500 * MILLI, late.firstSeenNanos());
    assertEquals(T0 + 6500 * MILLI, late.lastSeenNanos());

    Lookup one =
        cache.find(
            new FlowQuery(TCP, null, FlowQuery.ANY_PORT, addr("203.0.113.5"), 443,
                T0 + 5 * SECOND, T0 + 7 * SECOND, 1));
    assertEquals(1, one.matches().size());
    assertEquals(40001, one.matches().get(0).insidePort(), "found first, newest bucket");
    assertTrue(one.truncated());
  }

  @Test
  void find_ipv6FlowAcrossBuckets_mergesOverallFirstAndLast() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    long start = ticker.read();
    for (long s : new long[] {0, 6, 12}) {
      ticker.set(start + s * SECOND);
      cache.record(
          Frames.v6(MAC_A, "2001:db8::10", 5353, "2001:db8:ffff::1", 53, T0 + s * SECOND),
          eth1);
    }
    assertEquals(3, cache.stats().buckets());

    Lookup keyed =
        cache.find(
            new FlowQuery(UDP, addr("2001:db8::10"), 5353, addr("2001:db8:ffff::1"), 53,
                T0 + 6 * SECOND, T0 + 6 * SECOND, 10));
    Lookup wildcard =
        cache.find(
            new FlowQuery(UDP, null, FlowQuery.ANY_PORT, addr("2001:db8:ffff::1"), 53,
                T0 + 6 * SECOND, T0 + 6 * SECOND, 10));

    for (Lookup hit : List.of(keyed, wildcard)) {
      assertEquals(1, hit.matches().size());
      PeerRecord r = hit.matches().get(0);
      assertEquals(addr("2001:db8::10"), r.insideAddress());
      assertEquals(T0, r.firstSeenNanos());
      assertEquals(T0 + 12 * SECOND, r.lastSeenNanos());
    }
  }

  @Test
  void find_anySourcePort_manyFlowsSeenBeforeWindow_mergesFirstTimeOfEach() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    long start = ticker.read();
    for (int i = 0; i < 20; i++) {
      cache.record(
          Frames.v6(MAC_A + i, "2001:db8::" + (i + 1), 6000 + i, "2001:db8:ffff::1", 53,
              T0 + i * MILLI), eth1);
    }
    ticker.set(start + 6 * SECOND);
    for (int i = 0; i < 20; i++) {
      cache.record(
          Frames.v6(MAC_A + i, "2001:db8::" + (i + 1), 6000 + i, "2001:db8:ffff::1", 53,
              T0 + 20 * SECOND), eth1);
    }
    assertEquals(2, cache.stats().buckets());

    Lookup all =
        cache.find(
            new FlowQuery(UDP, null, FlowQuery.ANY_PORT, addr("2001:db8:ffff::1"), 53,
                T0 + 20 * SECOND, T0 + 20 * SECOND, 100));

    assertEquals(20, all.matches().size());
    for (PeerRecord r : all.matches()) {
      int i = r.insidePort() - 6000;
      assertEquals(addr("2001:db8::" + (i + 1)), r.insideAddress());
      assertEquals(MacAddress.of(MAC_A + i), r.mac());
      assertEquals(T0 + i * MILLI, r.firstSeenNanos(), "port " + r.insidePort());
      assertEquals(T0 + 20 * SECOND, r.lastSeenNanos());
    }
  }

  @Test
  void expire_lastSeenExactlyRetentionAgo_isGone() {
    FlowCache cache = cache(60, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    long start = ticker.read();
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 443, T0), eth1);
    ticker.set(start + 30 * SECOND);
    cache.record(
        Frames.v4(MAC_B, "192.0.2.11", 40000, "203.0.113.5", 443, T0 + 30 * SECOND), eth1);
    FlowQuery first = exact("192.0.2.10", 40000, "203.0.113.5", 443, T0, T0 + SECOND);

    ticker.set(start + 60 * SECOND - 1);
    cache.expire();
    assertEquals(1, cache.find(first).matches().size(), "one nanosecond inside retention");
    assertEquals(0, cache.stats().expired());
    assertEquals(2, cache.stats().buckets());

    ticker.set(start + 60 * SECOND);
    cache.expire();
    assertTrue(cache.find(first).matches().isEmpty(), "exactly retention after last frame");
    assertFalse(cache.find(first).incomplete(), "expiry is not an incomplete answer");
    CacheStats stats = cache.stats();
    assertEquals(1, stats.expired());
    assertEquals(1, stats.buckets());
    assertEquals(1, stats.entriesV4());
    assertEquals(T0 + 30 * SECOND, cache.oldestWallNanos());

    ticker.set(start + 90 * SECOND);
    cache.expire();
    assertEquals(0, cache.stats().buckets());
    assertEquals(2, cache.stats().expired());
    assertEquals(0, cache.oldestWallNanos());
  }

  @Test
  void record_afterIdleLongerThanRetention_dropsOldBucketsWithoutExpireCall() {
    FlowCache cache = cache(60, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 443, T0), eth1);
    ticker.advance(61 * SECOND);
    cache.record(
        Frames.v4(MAC_A, "192.0.2.10", 40001, "203.0.113.5", 443, T0 + 61 * SECOND), eth1);

    CacheStats stats = cache.stats();
    assertEquals(1, stats.expired());
    assertEquals(1, stats.entriesV4());
  }

  @Test
  void record_beyondMaxEntries_evictsOldestBucketsAndCountsExactly() {
    FlowCache cache = cache(600, 64, 0.5);
    int eth1 = cache.registerInterface("eth1");
    int fill = cache.bucketFill();
    int n = 200;
    for (int i = 0; i < n; i++) {
      cache.record(
          Frames.v4(MAC_A + i, "192.0.2.10", 20000 + i, "203.0.113.5", 443, T0 + i * MILLI),
          eth1);
      assertTrue(cache.stats().entries() <= 64, "cap held after " + i);
    }
    CacheStats stats = cache.stats();
    assertTrue(stats.evictions() > 0);
    assertEquals(n - stats.entries(), stats.evictions());
    assertEquals(0, stats.evictions() % fill, "whole buckets go");
    assertEquals(0, stats.expired());

    Lookup oldest = cache.find(exact("192.0.2.10", 20000, "203.0.113.5", 443, T0, T0));
    assertTrue(oldest.matches().isEmpty());
    assertTrue(oldest.incomplete(), "window lost to eviction");

    long lastWall = T0 + (n - 1) * MILLI;
    Lookup newest =
        cache.find(exact("192.0.2.10", 20000 + n - 1, "203.0.113.5", 443, lastWall, lastWall));
    assertEquals(1, newest.matches().size());
    assertFalse(newest.incomplete());
  }

  @Test
  void record_longFlow_keepsOneEntryPerBucket() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    DecodedFrame f = Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 443, T0);
    for (int i = 0; i < 1000; i++) {
      f.timestampNanos = T0 + i * MILLI;
      cache.record(f, eth1);
      ticker.advance(MILLI);
    }
    assertEquals(1, cache.stats().entriesV4());

    for (int i = 0; i < 100; i++) {
      ticker.advance(100 * MILLI);
      f.timestampNanos += 100 * MILLI;
      cache.record(f, eth1);
    }
    CacheStats stats = cache.stats();
    assertEquals(stats.buckets(), stats.entriesV4());
    assertEquals(3, stats.buckets(), "11 s of traffic in 5 s buckets");
    Lookup hit =
        cache.find(exact("192.0.2.10", 40000, "203.0.113.5", 443, T0, f.timestampNanos));
    assertEquals(1, hit.matches().size());
    assertEquals(T0, hit.matches().get(0).firstSeenNanos());
    assertEquals(f.timestampNanos, hit.matches().get(0).lastSeenNanos());
  }

  @Test
  void record_floodFromOneMac_otherHostsStayFindable() {
    int cap = 20_000;
    FlowCache cache = cache(600, cap, 0.5);
    int eth1 = cache.registerInterface("eth1");
    int hosts = 1000;
    for (int i = 0; i < hosts; i++) {
      cache.record(
          Frames.v4(
              MAC_A + 1 + i,
              "192.0.2." + (1 + i % 250),
              30000 + i,
              "203.0.113." + (i % 200),
              443,
              T0),
          eth1);
    }
    long flooder = 0x02_66_66_66_66_66L;
    DecodedFrame f = Frames.v4(flooder, "198.51.100.66", 1, "203.0.113.99", 1, T0 + MILLI);
    SplittableRandom random = new SplittableRandom(7);
    Set<Long> distinct = new HashSet<>();
    for (int i = 0; i < 50_000; i++) {
      f.srcPort = random.nextInt(65536);
      f.dstPort = random.nextInt(65536);
      distinct.add(((long) f.srcPort << 16) | f.dstPort);
      cache.record(f, eth1);
    }

    CacheStats stats = cache.stats();
    long floodEntries = stats.entries() - hosts;
    assertEquals(0, stats.evictions());
    assertTrue(floodEntries <= cap / 2, "flooder holds " + floodEntries);
    assertTrue(floodEntries >= cap / 2 - hosts, "flooder holds " + floodEntries);
    assertEquals(distinct.size(), floodEntries + stats.rejectedByShare()
        + stats.rejectedByCollision());
    assertTrue(stats.rejectedByShare() >= distinct.size() - cap / 2);
    for (int i = 0; i < hosts; i++) {
      Lookup hit =
          cache.find(
              exact("192.0.2." + (1 + i % 250), 30000 + i, "203.0.113." + (i % 200), 443, T0,
                  T0 + SECOND));
      assertEquals(1, hit.matches().size(), "host " + i);
      assertEquals(MacAddress.of(MAC_A + 1 + i), hit.matches().get(0).mac());
      assertTrue(hit.incomplete(), "the window had refused flows");
    }
  }

  @Test
  void find_ipv6WithVlanAndInterfaces_roundTrips() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth0 = cache.registerInterface("eth0");
    int lan = cache.registerInterface("eth0.10");
    assertEquals(eth0, cache.registerInterface("eth0"));
    DecodedFrame f = Frames.v6(MAC_A, "2001:db8::10", 5353, "2001:db8:ffff::1", 53, T0);
    f.vlan = 10;
    cache.record(f, lan);
    DecodedFrame g = Frames.v6(MAC_A, "2001:db8::10", 5353, "2001:db8:ffff::1", 53, T0);
    cache.record(g, eth0);

    Lookup hit =
        cache.find(
            new FlowQuery(
                UDP, addr("2001:db8::10"), 5353, addr("2001:db8:ffff::1"), 53, T0, T0, 10));

    assertEquals(2, hit.matches().size());
    PeerRecord tagged =
        hit.matches().stream().filter(r -> r.vlan() == 10).findFirst().orElseThrow();
    assertEquals("eth0.10", tagged.interfaceName());
    assertEquals(addr("2001:db8::10"), tagged.insideAddress());
    assertEquals(addr("2001:db8:ffff::1"), tagged.destination());
    assertEquals(5353, tagged.insidePort());
    assertEquals(53, tagged.destinationPort());
    assertEquals(MacAddress.of(MAC_A), tagged.mac());
    PeerRecord untagged =
        hit.matches().stream().filter(r -> r.vlan() == -1).findFirst().orElseThrow();
    assertEquals("eth0", untagged.interfaceName());
    assertEquals(2, cache.stats().entriesV6());
    assertEquals(0, cache.stats().entriesV4());
  }

  @Test
  void find_frameWithoutMac_returnsNullMac() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int any = cache.registerInterface("any");
    DecodedFrame f = Frames.v4(0, "192.0.2.10", 40000, "203.0.113.5", 443, T0);
    f.hasSrcMac = false;
    cache.record(f, any);
    cache.record(Frames.v4(0, "192.0.2.10", 40000, "203.0.113.5", 443, T0), any);

    List<PeerRecord> found =
        cache.find(exact("192.0.2.10", 40000, "203.0.113.5", 443, T0, T0)).matches();

    assertEquals(2, found.size());
    assertEquals(1, found.stream().filter(r -> r.mac() == null).count());
    assertEquals(1, found.stream().filter(r -> r.mac() != null && r.mac().isZero()).count());
  }

  @Test
  void find_anySourcePort_returnsAllFlowsToDestinationUpToLimit() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    for (int i = 0; i < 5; i++) {
      cache.record(
          Frames.v4(MAC_A + i, "192.0.2." + (10 + i), 40000 + i, "203.0.113.5", 443, T0), eth1);
    }
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.6", 443, T0), eth1);
    cache.record(Frames.v4(MAC_A, "192.0.2.10", 40000, "203.0.113.5", 444, T0), eth1);

    Lookup all =
        cache.find(
            new FlowQuery(TCP, null, FlowQuery.ANY_PORT, addr("203.0.113.5"), 443, T0, T0, 10));
    assertEquals(5, all.matches().size());
    assertFalse(all.truncated());

    Lookup some =
        cache.find(
            new FlowQuery(TCP, null, FlowQuery.ANY_PORT, addr("203.0.113.5"), 443, T0, T0, 3));
    assertEquals(3, some.matches().size());
    assertTrue(some.truncated());

    Lookup oneHost =
        cache.find(
            new FlowQuery(
                TCP, addr("192.0.2.12"), FlowQuery.ANY_PORT, addr("203.0.113.5"), 443, T0, T0,
                10));
    assertEquals(1, oneHost.matches().size());
    assertEquals(40002, oneHost.matches().get(0).insidePort());
  }

  @Test
  void markIncomplete_overlappingWindow_isIncompleteUntilRetentionPasses() {
    FlowCache cache = cache(60, 10_000, 0.5);
    cache.registerInterface("eth1");
    cache.markIncomplete(T0 + 10 * SECOND, T0 + 20 * SECOND);
    FlowQuery inside =
        exact("192.0.2.10", 40000, "203.0.113.5", 443, T0 + 15 * SECOND, T0 + 16 * SECOND);
    FlowQuery outside =
        exact("192.0.2.10", 40000, "203.0.113.5", 443, T0 + 21 * SECOND, T0 + 30 * SECOND);

    assertTrue(cache.find(inside).incomplete());
    assertFalse(cache.find(outside).incomplete());

    ticker.advance(66 * SECOND);
    cache.expire();
    assertFalse(cache.find(inside).incomplete());
  }

  @Test
  void record_frameWithoutPorts_isIgnored() {
    FlowCache cache = cache(600, 10_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    DecodedFrame f = Frames.v4(MAC_A, "192.0.2.10", 0, "203.0.113.5", 0, T0);
    f.hasPorts = false;
    cache.record(f, eth1);
    DecodedFrame arp = Frames.v4(MAC_A, "192.0.2.10", 1, "203.0.113.5", 1, T0);
    arp.ipVersion = 0;
    cache.record(arp, eth1);

    assertEquals(0, cache.stats().entries());
  }

  @Test
  void record_unregisteredInterface_throws() {
    FlowCache cache = cache(600, 10_000, 0.5);
    DecodedFrame f = Frames.v4(MAC_A, "192.0.2.10", 1, "203.0.113.5", 1, T0);
    assertThrows(IllegalArgumentException.class, () -> cache.record(f, 0));
  }

  @Test
  void registerInterface_badName_throws() {
    FlowCache cache = cache(600, 10_000, 0.5);
    assertThrows(IllegalArgumentException.class, () -> cache.registerInterface(""));
    assertThrows(
        IllegalArgumentException.class, () -> cache.registerInterface("a-very-long-ifname"));
  }

  @Test
  void cacheConfig_invalidValues_throw() {
    assertThrows(IllegalArgumentException.class, () -> new CacheConfig(0, 1, 10, 0.5));
    assertThrows(IllegalArgumentException.class, () -> new CacheConfig(10, 11, 10, 0.5));
    assertThrows(IllegalArgumentException.class, () -> new CacheConfig(10, 1, 0, 0.5));
    assertThrows(IllegalArgumentException.class, () -> new CacheConfig(10, 1, 10, 0.0));
    assertThrows(IllegalArgumentException.class, () -> new CacheConfig(10, 1, 10, Double.NaN));
    CacheConfig d = CacheConfig.defaults();
    assertEquals(600 * SECOND, d.retentionNanos());
    assertEquals(0.5, d.maxSharePerMac());
  }

  @Test
  void flowQuery_mixedFamilies_throws() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new FlowQuery(TCP, addr("192.0.2.1"), 1, addr("2001:db8::1"), 1, 0, 1, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new FlowQuery(TCP, null, 1, addr("192.0.2.1"), 1, 2, 1, 1));
  }

  @Test
  void stats_manyIpv4Entries_withinBytesPerEntryTarget() {
    FlowCache cache = cache(600, 2_000_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    DecodedFrame f = Frames.v4(MAC_A, "192.0.2.10", 1, "203.0.113.0", 1, T0);
    int n = 1_000_000;
    for (int i = 0; i < n; i++) {
      f.srcMac = MAC_A + (i % 1000);
      f.srcPort = i & 0xFFFF;
      f.dstIp4 = Frames.ip4("203.0.113.0") + (i >>> 16);
      f.timestampNanos = T0 + i * 1000L;
      cache.record(f, eth1);
    }
    CacheStats stats = cache.stats();
    assertEquals(n, stats.entriesV4());
    double perEntry = (double) stats.approxBytes() / stats.entries();
    assertTrue(perEntry <= 48.0, "bytes per IPv4 entry: " + perEntry);
    assertTrue(perEntry >= 32.0, "at least the packed entry: " + perEntry);
  }

  @Test
  void record_bucketSevenEighthsFull_allocatesTheNextTableAheadAndTheNextBucketTakesIt() {
    // a 2 M cap gives buckets of 12,288 entries in tables of 2^14 slots
    FlowCache cache = cache(600, 2_000_000, 1.0);
    int eth1 = cache.registerInterface("eth1");
    DecodedFrame f = Frames.v4(MAC_A, "192.0.2.10", 1, "203.0.113.0", 1, T0);
    long tableBytes = ArrayPool.bytesOf(new long[FlowTable.words(4, 14)]);
    int fill = 12_288;
    int ahead = fill - fill / 8;
    long[] bytesAfter = new long[fill + 2];
    for (int i = 1; i <= fill + 1; i++) {
      f.srcPort = i & 0xFFFF;
      f.dstIp4 = Frames.ip4("203.0.113.0") + (i >>> 16);
      cache.record(f, eth1);
      bytesAfter[i] = cache.stats().approxBytes();
    }
    assertEquals(0, cache.stats().evictions());
    // the record after the bucket reached 7/8 hands the pool a spare of the table's size
    assertEquals(0, bytesAfter[ahead] - bytesAfter[ahead - 1]);
    assertEquals(tableBytes, bytesAfter[ahead + 1] - bytesAfter[ahead]);
    // the bucket opened by the next record takes that spare: no second table array appears
    long opened = bytesAfter[fill + 1] - bytesAfter[fill];
    assertTrue(opened > 0 && opened < tableBytes / 4, "a new bucket's own bytes: " + opened);
  }

  @Test
  void stats_manyIpv6Entries_withinBytesPerEntryTarget() {
    FlowCache cache = cache(600, 2_000_000, 0.5);
    int eth1 = cache.registerInterface("eth1");
    DecodedFrame f = Frames.v6(MAC_A, "2001:db8::10", 1, "2001:db8:ffff::", 1, T0);
    long dstLo = f.dstIpLo;
    int n = 500_000;
    for (int i = 0; i < n; i++) {
      f.srcMac = MAC_A + (i % 1000);
      f.srcPort = i & 0xFFFF;
      f.dstIpLo = dstLo + (i >>> 16);
      f.timestampNanos = T0 + i * 1000L;
      cache.record(f, eth1);
    }
    CacheStats stats = cache.stats();
    assertEquals(n, stats.entriesV6());
    double perEntry = (double) stats.approxBytes() / stats.entries();
    assertTrue(perEntry <= 80.0, "bytes per IPv6 entry: " + perEntry);
    assertTrue(perEntry >= 56.0, "at least the packed entry: " + perEntry);
  }

  @Test
  void stats_atCapWithChurn_heapStaysFlat() {
    FlowCache cache = cache(600, 100_000, 1.0);
    int eth1 = cache.registerInterface("eth1");
    DecodedFrame f = Frames.v4(MAC_A, "192.0.2.10", 1, "203.0.113.0", 1, T0);
    long peak = 0;
    for (int i = 0; i < 1_000_000; i++) {
      f.srcPort = i & 0xFFFF;
      f.dstIp4 = Frames.ip4("203.0.113.0") + (i >>> 16);
      f.timestampNanos = T0 + i * 1000L;
      cache.record(f, eth1);
      if (i % 100_000 == 99_999) {
        CacheStats stats = cache.stats();
        assertTrue(stats.entries() <= 100_000);
        if (i >= 300_000) {
          assertTrue(stats.approxBytes() <= peak, "heap grew at " + i);
        }
        peak = Math.max(peak, stats.approxBytes());
      }
    }
    CacheStats stats = cache.stats();
    assertEquals(1_000_000 - stats.entries(), stats.evictions(), stats.toString());
    assertTrue(stats.approxBytes() < 100_000 * 48L * 1.2, "bytes " + stats.approxBytes());
  }

  @Test
  void record_manySendersOnOneProbePath_refusesBeyondProbeLimit() {
    FlowCache cache = cache(600, 100_000, 1.0);
    int eth1 = cache.registerInterface("eth1");
    int senders = FlowTable.MAX_PROBES + 72;
    for (int i = 0; i < senders; i++) {
      cache.record(Frames.v4(MAC_A + i, "192.0.2.10", 40000, "203.0.113.5", 443, T0), eth1);
    }

    CacheStats stats = cache.stats();
    assertEquals(FlowTable.MAX_PROBES, stats.entriesV4());
    assertEquals(72, stats.rejectedByCollision());
    Lookup hit =
        cache.find(new FlowQuery(TCP, null, 40000, addr("203.0.113.5"), 443, T0, T0, 1000));
    assertEquals(FlowTable.MAX_PROBES, hit.matches().size());
    assertTrue(hit.incomplete());
  }
}
