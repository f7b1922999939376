package org.trackpeer.daemon.cache;

/** A monotonic clock moved by hand. */
final class ManualTicker implements Ticker {
  private volatile long nowNanos;

  ManualTicker(long startNanos) {
    this.nowNanos = startNanos;
  }

  @Override
  public long read() {
    return nowNanos;
  }

  void set(long nanos) {
    nowNanos = nanos;
  }

  void advance(long nanos) {
    nowNanos += nanos;
  }
}
