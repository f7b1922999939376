package org.trackpeer.daemon.cache;

/**
 * A monotonic clock in nanoseconds that drives expiry of the flow cache.
 *
 * <p>Production code uses {@link #SYSTEM}; capture-file replay and tests supply their own, so
 * expiry can follow file timestamps or a hand-moved clock.
 */
public interface Ticker {
  /** The JVM's monotonic clock, {@link System#nanoTime()}. */
  Ticker SYSTEM = System::nanoTime;

  /** Returns the current reading in nanoseconds; only differences between readings matter. */
  long read();
}
