package org.trackpeer.daemon.query;

/**
 * A token bucket: holds up to {@code burst} tokens, refills at {@code perSecond} tokens a
 * second, and each admitted event takes one. Time is passed in, so tests drive it directly.
 * A rate of zero or less admits everything. Not thread-safe; the query thread owns it.
 */
final class TokenBucket {
  private static final double NANOS = 1e9;

  private final double perSecond;
  private final double burst;
  private double tokens;
  private long lastNanos;

  TokenBucket(double perSecond, double burst, long nowNanos) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, burst);
    this.tokens = this.burst;
    this.lastNanos = nowNanos;
  }

  /** Takes one token if there is one; returns whether the event is admitted. */
  boolean tryTake(long nowNanos) {
    if (perSecond <= 0) {
      return true;
    }
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** True when the bucket has refilled completely (its client has been idle). */
  boolean isFull(long nowNanos) {
    refill(nowNanos);
    return tokens >= burst;
  }

  private void refill(long nowNanos) {
    long elapsedNanos = nowNanos - lastNanos;
    if (elapsedNanos > 0) {
      tokens = Math.min(burst, tokens + elapsedNanos / NANOS * perSecond);
      lastNanos = nowNanos;
    }
  }
}
