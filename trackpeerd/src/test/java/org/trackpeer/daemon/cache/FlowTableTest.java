package org.trackpeer.daemon.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

final class FlowTableTest {
  private static final long SEED = 42;
  private static final long OCCUPIED = 1L << 63;

  /** Inserts an IPv4 entry with source port {@code port} to one destination; returns its hash. */
  private static long insert(FlowTable t, ArrayPool pool, int port) {
    long meta = OCCUPIED | (17L << 32) | (53L << 16) | port;
    long hash = FlowTable.hash(SEED, meta & FlowCache.KEY40_MASK, 0, 0xcb00710aL);
    if (t.needsGrowth()) {
      t.grow(pool);
    }
    int pos = t.find(hash, 0xc0000201_cb00710aL, 0, 0, 0, meta, 0);
    t.insert(-pos - 1, hash, 0xc0000201_cb00710aL, 0, 0, 0, meta, 0, 7);
    return hash;
  }

  /** Inserts entries with source ports 0 to {@code n - 1}; returns their hashes. */
  private static long[] insertPorts(FlowTable t, int n) {
    ArrayPool pool = new ArrayPool(4);
    long[] held = new long[n];
    for (int i = 0; i < n; i++) {
      held[i] = insert(t, pool, i);
    }
    return held;
  }

  @Test
  void mayContain_emptyTable_isFalseForEveryKey() {
    FlowTable t = new FlowTable(1, SEED);
    t.grow(new ArrayPool(4));
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 1000; i++) {
      assertFalse(t.mayContain(random.nextLong()));
    }
  }

  @Test
  void mayContain_afterInsertsAndGrowth_trueForEveryKeyHeldAndFewOthers() {
    FlowTable t = new FlowTable(1, SEED);
    long[] held = insertPorts(t, 3000);
    assertEquals(3000, t.count);
    assertEquals(12, t.log2, "grown from 16 to 4096 slots");
    for (long h : held) {
      assertTrue(t.mayContain(h));
    }
    SplittableRandom random = new SplittableRandom(2);
    int passed = 0;
    for (int i = 0; i < 10_000; i++) {
      if (t.mayContain(random.nextLong())) {
        passed++;
      }
    }
    // 8 filter bits per slot at load 0.73, 3 bits per key: about 4% false positives
    assertTrue(passed < 800, "false positives: " + passed);
  }

  @Test
  void words_slotsThenTwoFilters_oneWordPerEightSlotsEach() {
    assertEquals(4 * 16 + 2 * 2, FlowTable.words(4, 4));
    assertEquals(7 * (1 << 17) + 2 * (1 << 14), FlowTable.words(7, 17));
    FlowTable t = new FlowTable(4, SEED);
    t.grow(new ArrayPool(7));
    assertEquals(7 * 16, t.slotWords());
    assertEquals(7 * 16 + 2 * 2, t.slots.length);
  }

  @Test
  void mayContainSender_afterInsertsAndGrowth_trueForHeldSendersAndFewOtherSenders() {
    FlowTable t = new FlowTable(1, SEED);
    long[] held = insertPorts(t, 3000);
    assertEquals(12, t.log2, "grown from 16 to 4096 slots");
    int otherSender = 0;
    for (long h : held) {
      // the entries' source address, 192.0.2.1: rehashed into the grown table's filter too
      assertTrue(t.mayContainSender(FlowTable.senderHash(h, 0, 0xc0000201L)));
      // the same key from 192.0.2.2, which sent none of them
      if (t.mayContainSender(FlowTable.senderHash(h, 0, 0xc0000202L))) {
        otherSender++;
      }
      // the lookup-key filter knows nothing of senders: every key passes
      assertTrue(t.mayContain(h));
    }
    assertTrue(otherSender < 240, "other sender passed for " + otherSender + " of 3000 keys");
  }

  @Test
  void mayContainSender_ipv6AfterGrowth_trueForHeldSendersOnly() {
    ArrayPool pool = new ArrayPool(7);
    FlowTable t = new FlowTable(4, SEED);
    long srcHi = 0x20010db8_00000000L;
    long dstHi = 0x20010db8_ffff0000L;
    long[] held = new long[1000];
    for (int i = 0; i < held.length; i++) {
      long meta = OCCUPIED | (6L << 32) | (443L << 16) | i;
      long h = FlowTable.hash(SEED, meta & FlowCache.KEY40_MASK, dstHi, 7);
      if (t.needsGrowth()) {
        t.grow(pool);
      }
      int pos = t.find(h, srcHi, 0x10, dstHi, 7, meta, 0);
      t.insert(-pos - 1, h, srcHi, 0x10, dstHi, 7, meta, 0, 1);
      held[i] = h;
    }
    assertEquals(11, t.log2, "grown from 16 to 2048 slots");
    int otherSender = 0;
    for (long h : held) {
      assertTrue(t.mayContainSender(FlowTable.senderHash(h, srcHi, 0x10)));
      if (t.mayContainSender(FlowTable.senderHash(h, srcHi, 0x11))) {
        otherSender++;
      }
    }
    assertTrue(otherSender < 80, "other sender passed for " + otherSender + " of 1000 keys");
  }

  @Test
  void rehashInto_leavesTheTableAsItIsUntilInstalled() {
    FlowTable t = new FlowTable(1, SEED);
    long[] held = insertPorts(t, 12);
    long[] before = t.slots.clone();
    int next = t.nextLog2();
    assertEquals(5, next, "16 slots hold 12 entries at load 3/4; the 13th doubles them");
    long[] grown = t.rehashInto(new long[FlowTable.words(4, next)], next);
    assertTrue(java.util.Arrays.equals(before, t.slots), "the old array is not changed");
    assertEquals(4, t.log2);
    t.install(grown, next);
    assertEquals(5, t.log2);
    assertEquals(12, t.count);
    for (int port = 0; port < held.length; port++) {
      long meta = OCCUPIED | (17L << 32) | (53L << 16) | port;
      assertTrue(t.find(held[port], 0xc0000201_cb00710aL, 0, 0, 0, meta, 0) >= 0,
          "entry of port " + port + " found in the grown table");
      assertTrue(t.mayContainSender(FlowTable.senderHash(held[port], 0, 0xc0000201L)));
    }
  }
}
