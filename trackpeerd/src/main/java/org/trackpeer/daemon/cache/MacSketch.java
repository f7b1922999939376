package org.trackpeer.daemon.cache;

/**
 * Count-min sketch of flow entries per source MAC: {@link #DEPTH} rows of {@link #WIDTH}
 * counters in one {@code int[]}. Each bucket keeps its own and the cache keeps their sum, so
 * dropping a bucket subtracts its counters in O(size). The estimate never undercounts; it can
 * overcount a MAC whose counters all collide with heavier ones, which needs the other MACs'
 * entries in every row's cell to pass the share, and only makes the share stricter.
 */
final class MacSketch {
  static final int DEPTH = 4;
  static final int WIDTH = 512;
  static final int SIZE = DEPTH * WIDTH;

  private MacSketch() {}

  /** Returns the counter index of row {@code row} for a MAC hashed to {@code h}. */
  static int index(long h, int row) {
    return row * WIDTH + (int) ((h >>> (row * 16)) & (WIDTH - 1));
  }

  static void add(int[] counts, long h, int delta) {
    for (int r = 0; r < DEPTH; r++) {
      counts[index(h, r)] += delta;
    }
  }

  static int estimate(int[] counts, long h) {
    int min = Integer.MAX_VALUE;
    for (int r = 0; r < DEPTH; r++) {
      min = Math.min(min, counts[index(h, r)]);
    }
    return min;
  }
}
