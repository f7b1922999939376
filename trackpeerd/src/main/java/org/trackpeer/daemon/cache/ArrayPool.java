package org.trackpeer.daemon.cache;

import java.util.Arrays;

/**
 * Keeps spare table arrays per power-of-two size, so buckets that are dropped hand their arrays
 * to the buckets that grow next and the heap stays flat once the cache is full.
 *
 * <p>A returned array is dirty: zeroing it at once (2 MiB for a full IPv4 table) would stall
 * the capture thread for a few hundred microseconds at every bucket change. So each size keeps
 * at most one dirty array, zeroed a few words at a time by {@link #cleanSome} (called for each
 * new entry), and at most one clean array, which {@link #take} hands out without work. When no
 * clean array of the size is ready a new one is allocated; the dirty one becomes the clean
 * spare for the next bucket. At most two spares per size are held.
 *
 * <p>Allocating a new array of a table's size (a megabyte or more, zeroed and often on pages
 * the heap has not touched yet) takes up to a millisecond, too long to hold the cache's lock
 * for while queries wait. So when the cache expects to need a size soon and the pool has no
 * clean spare of it ({@link #want}), the pool asks for one ({@link #wanted}): a capture thread
 * allocates it before it takes the lock and hands it over with {@link #offer}, and the next
 * table of that size finds it ready. A dirty spare of the size does not stop the request: it
 * would not be zeroed in time.
 */
final class ArrayPool {
  private final int stride;
  private final long[][] clean = new long[32][];
  private final long[][] dirty = new long[32][];
  private final int[] zeroedWords = new int[32];
  private int dirtyCount;
  private long spareBytes;

  /** Size (log2) the next {@link #take} of which would allocate; -1 when none. */
  private volatile int wanted = -1;

  ArrayPool(int stride) {
    this.stride = stride;
  }

  /** Returns a zeroed array for a table of {@code 1 << log2} slots ({@link FlowTable#words}). */
  long[] take(int log2) {
    long[] a = clean[log2];
    if (a == null) {
      a = new long[FlowTable.words(stride, log2)];
    } else {
      clean[log2] = null;
      spareBytes -= bytesOf(a);
    }
    return a;
  }

  /** Asks for a clean array of {@code 1 << log2} slots unless one is ready. */
  void want(int log2) {
    if (clean[log2] == null) {
      wanted = log2;
    }
  }

  /**
   * Returns the size (log2) of the array the pool asks for, or -1. Read without the cache's
   * lock: the answer may be stale, and {@link #offer} then drops the array.
   */
  int wanted() {
    return wanted;
  }

  /** Allocates a zeroed array for a table of {@code 1 << log2} slots; needs no lock. */
  long[] allocate(int log2) {
    return new long[FlowTable.words(stride, log2)];
  }

  /**
   * Hands over an array made by {@link #allocate} for {@link #wanted}; kept as the clean spare
   * of its size unless one is already there.
   */
  void offer(long[] a, int log2) {
    if (wanted == log2) {
      wanted = -1;
    }
    if (clean[log2] == null && a.length == FlowTable.words(stride, log2)) {
      clean[log2] = a;
      spareBytes += bytesOf(a);
    }
  }

  /** Offers an array back; kept if its size has no dirty spare yet, else left to the collector. */
  void give(long[] a, int log2) {
    if (a != null && dirty[log2] == null) {
      dirty[log2] = a;
      zeroedWords[log2] = 0;
      dirtyCount++;
      spareBytes += bytesOf(a);
    }
  }

  /** Zeroes up to {@code words} words of a dirty spare; a fully zeroed one becomes clean. */
  void cleanSome(int words) {
    if (dirtyCount == 0) {
      return;
    }
    for (int log2 = 0; log2 < dirty.length; log2++) {
      long[] a = dirty[log2];
      if (a == null) {
        continue;
      }
      int from = zeroedWords[log2];
      int to = Math.min(a.length, from + words);
      Arrays.fill(a, from, to, 0L);
      zeroedWords[log2] = to;
      if (to == a.length) {
        dirty[log2] = null;
        dirtyCount--;
        if (clean[log2] == null) {
          clean[log2] = a;
        } else {
          spareBytes -= bytesOf(a);
        }
      }
      return;
    }
  }

  /** Bytes held in spare arrays, clean or not. */
  long spareBytes() {
    return spareBytes;
  }

  /** Heap bytes of {@code a}, header included; 0 for null. */
  static long bytesOf(long[] a) {
    return a == null ? 0 : 16L + 8L * a.length;
  }
}
