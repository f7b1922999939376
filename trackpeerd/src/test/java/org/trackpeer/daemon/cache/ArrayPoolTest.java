package org.trackpeer.daemon.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

final class ArrayPoolTest {
  private static long[] dirty(int length) {
    long[] a = new long[length];
    Arrays.fill(a, -1L);
    return a;
  }

  @Test
  void take_givenArrayNotYetCleaned_allocatesFreshZeroedArray() {
    ArrayPool pool = new ArrayPool(4);
    long[] given = dirty(4 << 5);
    pool.give(given, 5);
    long[] taken = pool.take(5);
    assertNotSame(given, taken);
    assertEquals(0, Arrays.stream(taken).filter(v -> v != 0).count());
  }

  @Test
  void take_afterEnoughCleaning_returnsTheGivenArrayZeroed() {
    ArrayPool pool = new ArrayPool(4);
    long[] given = dirty(4 << 5);
    pool.give(given, 5);
    for (int i = 0; i < (4 << 5) / 16; i++) {
      pool.cleanSome(16);
    }
    long[] taken = pool.take(5);
    assertSame(given, taken);
    assertEquals(0, Arrays.stream(taken).filter(v -> v != 0).count());
  }

  @Test
  void cleanSome_oneWordShort_keepsArrayDirty() {
    ArrayPool pool = new ArrayPool(4);
    long[] given = dirty(4 << 5);
    pool.give(given, 5);
    pool.cleanSome((4 << 5) - 1);
    assertNotSame(given, pool.take(5));
    assertEquals(-1L, given[(4 << 5) - 1]);
    assertEquals(0L, given[(4 << 5) - 2]);
  }

  @Test
  void spareBytes_dirtyAndCleanSpares_countsBothAndDropsThird() {
    ArrayPool pool = new ArrayPool(4);
    long bytes = ArrayPool.bytesOf(new long[4 << 5]);
    pool.give(dirty(4 << 5), 5);
    pool.cleanSome(4 << 5);
    pool.give(dirty(4 << 5), 5);
    pool.give(dirty(4 << 5), 5);
    assertEquals(2 * bytes, pool.spareBytes());
    pool.take(5);
    assertEquals(bytes, pool.spareBytes());
  }

  @Test
  void want_withoutCleanSpare_asksAndTheOfferedArrayServesTheNextTake() {
    ArrayPool pool = new ArrayPool(4);
    assertEquals(-1, pool.wanted());
    pool.want(6);
    assertEquals(6, pool.wanted());
    long[] made = pool.allocate(6);
    pool.offer(made, 6);
    assertEquals(-1, pool.wanted());
    assertEquals(ArrayPool.bytesOf(made), pool.spareBytes());
    assertSame(made, pool.take(6));
    assertEquals(0, pool.spareBytes());
  }

  @Test
  void want_withCleanSpareOfTheSize_asksForNothing() {
    ArrayPool pool = new ArrayPool(4);
    pool.give(dirty(FlowTable.words(4, 6)), 6);
    pool.cleanSome(FlowTable.words(4, 6));
    pool.want(6);
    assertEquals(-1, pool.wanted());
  }

  @Test
  void want_withOnlyADirtySpare_stillAsks() {
    ArrayPool pool = new ArrayPool(4);
    pool.give(dirty(FlowTable.words(4, 6)), 6);
    pool.want(6);
    assertEquals(6, pool.wanted());
  }

  @Test
  void offer_whenACleanSpareIsThere_dropsTheArray() {
    ArrayPool pool = new ArrayPool(4);
    pool.want(6);
    long[] first = pool.allocate(6);
    pool.offer(first, 6);
    pool.offer(pool.allocate(6), 6);
    assertEquals(ArrayPool.bytesOf(first), pool.spareBytes());
    assertSame(first, pool.take(6));
  }

  @Test
  void offer_ofTheWrongLength_isDropped() {
    ArrayPool pool = new ArrayPool(4);
    pool.want(6);
    pool.offer(new long[3], 6);
    assertEquals(0, pool.spareBytes());
  }
}
