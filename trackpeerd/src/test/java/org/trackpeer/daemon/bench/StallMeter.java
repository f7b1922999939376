package org.trackpeer.daemon.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * How long the machine itself stops a running thread: each of {@code THREADS} threads reads the
 * monotonic clock in a loop for {@code SECONDS} and counts the gaps between two readings, which
 * on an idle, well-behaved machine stay below a few microseconds. The counts put query latency
 * tails in context: a query that arrives while the thread that would answer it is stopped waits
 * as long, whatever the agent does.
 *
 * <p>Usage: {@code StallMeter THREADS SECONDS}; prints one line per thread.
 */
public final class StallMeter {
  private static final long[] LIMITS_NANOS = {100_000, 500_000, 1_000_000, 2_000_000, 5_000_000};

  private StallMeter() {}

  public static void main(String[] args) throws InterruptedException {
    int threads = Integer.parseInt(args[0]);
    long nanos = Long.parseLong(args[1]) * 1_000_000_000L;
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread thread = new Thread(() -> measure(id, threads, nanos), "stall-" + t);
      running.add(thread);
      thread.start();
    }
    for (Thread thread : running) {
      thread.join();
    }
  }

  private static void measure(int id, int threads, long nanos) {
    long[] over = new long[LIMITS_NANOS.length];
    long stalledNanos = 0;
    long longest = 0;
    long start = System.nanoTime();
    long previous = start;
    long now = start;
    while (now - start < nanos) {
      now = System.nanoTime();
      long gap = now - previous;
      previous = now;
      if (gap >= LIMITS_NANOS[0]) {
        stalledNanos += gap;
        longest = Math.max(longest, gap);
        for (int i = 0; i < LIMITS_NANOS.length; i++) {
          if (gap >= LIMITS_NANOS[i]) {
            over[i]++;
          }
        }
      }
    }
    System.out.printf(
        "stalls threads=%d thread=%d seconds=%.0f over-0.1ms=%d over-0.5ms=%d over-1ms=%d"
            + " over-2ms=%d over-5ms=%d longest-ms=%.2f stalled-ms=%.1f%n",
        threads, id, nanos / 1e9, over[0], over[1], over[2], over[3], over[4], longest / 1e6,
        stalledNanos / 1e6);
  }
}
