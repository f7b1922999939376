package org.trackpeer.daemon.cache;

import java.util.Arrays;

/**
 * Keeps at most one spare table array per power-of-two size, so buckets that are dropped hand
 * their arrays to the buckets that grow next and the heap stays flat once the cache is full.
 */
final class ArrayPool {
  private final int stride;
  private final long[][] spare = new long[32][];
  private long spareBytes;

  ArrayPool(int stride) {
    this.stride = stride;
  }

  /** Returns a zeroed array for {@code 1 << log2} slots. */
  long[] take(int log2) {
    long[] a = spare[log2];
    if (a == null) {
      return new long[(1 << log2) * stride];
    }
    spare[log2] = null;
    spareBytes -= bytesOf(a);
    Arrays.fill(a, 0L);
    return a;
  }

  /** Offers an array back; kept if its size has no spare yet, else left to the collector. */
  void give(long[] a, int log2) {
    if (a != null && spare[log2] == null) {
      spare[log2] = a;
      spareBytes += bytesOf(a);
    }
  }

  long spareBytes() {
    return spareBytes;
  }

  static long bytesOf(long[] a) {
    return a == null ? 0 : 16L + 8L * a.length;
  }
}
