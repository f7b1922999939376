package org.trackpeer.daemon.cache;

import java.util.Arrays;

/** One time slice of the flow cache: an IPv4 and an IPv6 table plus their bookkeeping. */
final class Bucket {
  /** Half the 40-bit time offset range, in microseconds (about 6.4 days). */
  static final long HALF_RANGE_MICROS = 1L << 39;

  final FlowTable v4;
  final FlowTable v6;

  /** Count-min sketch of entries per source MAC in this bucket ({@link MacSketch}). */
  final int[] macCounts = new int[MacSketch.SIZE];

  /** Identifies one use of this object; changes whenever it is recycled. */
  long serial;

  long startMono;
  long lastMono;

  /** Wall time, in microseconds, that entry time offsets count from. */
  long baseMicros;

  long minWallNanos;
  long maxWallNanos;
  long rejectedMinWallNanos;
  long rejectedMaxWallNanos;

  Bucket(long seed) {
    v4 = new FlowTable(1, seed);
    v6 = new FlowTable(4, seed);
  }

  void open(long serial, long nowMono, long wallMicros) {
    this.serial = serial;
    startMono = nowMono;
    lastMono = nowMono;
    baseMicros = wallMicros - HALF_RANGE_MICROS;
    minWallNanos = Long.MAX_VALUE;
    maxWallNanos = Long.MIN_VALUE;
    rejectedMinWallNanos = Long.MAX_VALUE;
    rejectedMaxWallNanos = Long.MIN_VALUE;
  }

  int entries() {
    return v4.count + v6.count;
  }

  /** Returns true when wall time {@code micros} fits the 40-bit offsets of this bucket. */
  boolean fits(long micros) {
    long off = micros - baseMicros;
    return off >= 0 && off <= FlowTable.TIME_MASK;
  }

  void noteRecord(long nowMono, long wallNanos) {
    if (nowMono - lastMono > 0) {
      lastMono = nowMono;
    }
    if (wallNanos < minWallNanos) {
      minWallNanos = wallNanos;
    }
    if (wallNanos > maxWallNanos) {
      maxWallNanos = wallNanos;
    }
  }

  void noteRejected(long nowMono, long wallNanos) {
    if (nowMono - lastMono > 0) {
      lastMono = nowMono;
    }
    if (wallNanos < rejectedMinWallNanos) {
      rejectedMinWallNanos = wallNanos;
    }
    if (wallNanos > rejectedMaxWallNanos) {
      rejectedMaxWallNanos = wallNanos;
    }
  }

  boolean hasEntriesIn(long fromNanos, long toNanos) {
    return minWallNanos <= toNanos && maxWallNanos >= fromNanos;
  }

  boolean rejectedIn(long fromNanos, long toNanos) {
    return rejectedMinWallNanos <= toNanos && rejectedMaxWallNanos >= fromNanos;
  }

  /** Returns the wall time in nanoseconds of a stored time offset. */
  long wallNanos(long offset) {
    return (baseMicros + offset) * 1000L;
  }

  /** Gives the tables' arrays to the pools and subtracts this bucket from the global sketch. */
  void release(ArrayPool pool4, ArrayPool pool6, int[] globalMacCounts) {
    v4.release(pool4);
    v6.release(pool6);
    for (int i = 0; i < macCounts.length; i++) {
      globalMacCounts[i] -= macCounts[i];
    }
    Arrays.fill(macCounts, 0);
  }

  long bytes() {
    return 160L + v4.bytes() + v6.bytes() + 16L + 4L * macCounts.length;
  }
}
