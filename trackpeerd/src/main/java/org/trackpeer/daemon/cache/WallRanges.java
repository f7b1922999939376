package org.trackpeer.daemon.cache;

/**
 * A small bounded set of wall-clock ranges whose answers are incomplete, each with the
 * monotonic time it stops mattering.
 *
 * <p>When full, a new range widens the nearest existing one, so the set errs towards saying
 * "incomplete" and never forgets a gap early.
 */
final class WallRanges {
  private final long[] from;
  private final long[] to;
  private final long[] untilMono;
  private int size;

  WallRanges(int capacity) {
    from = new long[capacity];
    to = new long[capacity];
    untilMono = new long[capacity];
  }

  /** Adds [f, t], relevant while the monotonic clock is before {@code until}. */
  void add(long f, long t, long until) {
    int best = -1;
    long bestGap = Long.MAX_VALUE;
    for (int i = 0; i < size; i++) {
      long gap = gap(from[i], to[i], f, t);
      if (gap < bestGap) {
        bestGap = gap;
        best = i;
      }
    }
    if (best >= 0 && (bestGap == 0 || size == from.length)) {
      from[best] = Math.min(from[best], f);
      to[best] = Math.max(to[best], t);
      untilMono[best] = Math.max(untilMono[best], until);
      return;
    }
    from[size] = f;
    to[size] = t;
    untilMono[size] = until;
    size++;
  }

  /** Returns true if [f, t] overlaps a range still relevant at monotonic time {@code now}. */
  boolean overlaps(long f, long t, long now) {
    for (int i = 0; i < size; i++) {
      if (from[i] <= t && to[i] >= f && now - untilMono[i] < 0) {
        return true;
      }
    }
    return false;
  }

  /** Returns true when {@link #prune} at {@code now} would forget a range. */
  boolean hasStale(long now) {
    for (int i = 0; i < size; i++) {
      if (now - untilMono[i] >= 0) {
        return true;
      }
    }
    return false;
  }

  /** Forgets ranges no longer relevant at {@code now}. */
  void prune(long now) {
    int w = 0;
    for (int i = 0; i < size; i++) {
      if (now - untilMono[i] < 0) {
        from[w] = from[i];
        to[w] = to[i];
        untilMono[w] = untilMono[i];
        w++;
      }
    }
    size = w;
  }

  int size() {
    return size;
  }

  /** Nanoseconds between two ranges; 0 when they overlap or touch. */
  private static long gap(long f1, long t1, long f2, long t2) {
    if (t1 < f2) {
      return f2 - t1 - 1;
    }
    if (t2 < f1) {
      return f1 - t2 - 1;
    }
    return 0;
  }
}
