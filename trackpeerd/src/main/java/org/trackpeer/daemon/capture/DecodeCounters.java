package org.trackpeer.daemon.capture;

import java.util.Arrays;

/**
 * Per-outcome frame counters for one capture thread.
 *
 * <p>Not thread-safe: the capture thread counts, and readers take a {@link #snapshot()} copy
 * (from the capture thread or under the caller's own synchronisation).
 */
public final class DecodeCounters {
  private static final DecodeOutcome[] OUTCOMES = DecodeOutcome.values();

  private final long[] counts;

  /** Creates counters that are all zero. */
  public DecodeCounters() {
    counts = new long[OUTCOMES.length];
  }

  private DecodeCounters(long[] counts) {
    this.counts = counts;
  }

  /** Adds one frame to the counter of {@code outcome}. */
  public void count(DecodeOutcome outcome) {
    counts[outcome.ordinal()]++;
  }

  /** Returns the number of frames counted with {@code outcome}. */
  public long get(DecodeOutcome outcome) {
    return counts[outcome.ordinal()];
  }

  /** Returns the number of frames counted under any outcome. */
  public long total() {
    long sum = 0;
    for (long c : counts) {
      sum += c;
    }
    return sum;
  }

  /** Returns an independent copy of the current counts. */
  public DecodeCounters snapshot() {
    return new DecodeCounters(counts.clone());
  }

  /** Adds every count of {@code other} to this one. */
  public void add(DecodeCounters other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
  }

  /** Sets every counter back to zero. */
  public void clear() {
    Arrays.fill(counts, 0);
  }

  /** Lists the non-zero counters, for logs. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (DecodeOutcome o : OUTCOMES) {
      long c = counts[o.ordinal()];
      if (c != 0) {
        if (sb.length() > 1) {
          sb.append(", ");
        }
        sb.append(o.name()).append('=').append(c);
      }
    }
    return sb.append('}').toString();
  }
}
