package org.trackpeer.daemon;

import org.trackpeer.daemon.cache.Ticker;

/**
 * The agent's two clocks: a monotonic one that drives expiry, and the wall clock that query
 * times are compared with. Live capture uses the system's clocks; a capture file's replay uses
 * the newest frame timestamp for both, so retention counts back from the file's last packet.
 */
public interface AgentClock extends Ticker {
  /** Returns the current wall-clock time, nanoseconds since the Epoch. */
  long wallNanos();

  /** Notes a frame's timestamp (used only by the replay clock). */
  default void observe(long frameNanos) {}

  /** Returns the system clocks. */
  static AgentClock system() {
    return new AgentClock() {
      @Override
      public long read() {
        return System.nanoTime();
      }

      @Override
      public long wallNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
      }
    };
  }

  /** Returns a clock that follows frame timestamps. */
  static AgentClock replay() {
    return new AgentClock() {
      private volatile long newest;

      @Override
      public long read() {
        return newest;
      }

      @Override
      public long wallNanos() {
        return newest;
      }

      @Override
      public void observe(long frameNanos) {
        if (frameNanos > newest) {
          newest = frameNanos;
        }
      }
    };
  }
}
