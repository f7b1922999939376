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
}
