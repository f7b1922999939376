package org.trackpeer.daemon.capture;

import java.sql.Timestamp;

/**
 * Converts the per-packet timestamp pcap4j hands out into nanoseconds since the Epoch.
 *
 * <p>A classic pcap file stores the seconds as an unsigned 32-bit field, but libpcap passes them
 * through a signed 32-bit field, so a time from 2038-01-19 03:14:08 UTC onwards arrives as a
 * negative number of seconds. For such sources the seconds are read back as unsigned, which
 * covers every time up to 2106-02-07 06:28:15 UTC.
 */
public final class CaptureTimestamps {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final long MAX_SECONDS = Long.MAX_VALUE / NANOS_PER_SECOND - 1;

  private CaptureTimestamps() {}

  /**
   * Returns {@code ts} in nanoseconds since the Epoch, saturating beyond the year 2262.
   *
   * @param unsigned32BitSeconds true when the source kept seconds in 32 bits (classic pcap file)
   */
  public static long toNanos(Timestamp ts, boolean unsigned32BitSeconds) {
    long seconds = Math.floorDiv(ts.getTime(), 1000L);
    if (unsigned32BitSeconds && seconds < 0 && seconds >= Integer.MIN_VALUE) {
      seconds &= 0xffff_ffffL;
    }
    if (seconds > MAX_SECONDS) {
      return Long.MAX_VALUE;
    }
    if (seconds < -MAX_SECONDS) {
      return Long.MIN_VALUE;
    }
    return seconds * NANOS_PER_SECOND + ts.getNanos();
  }
}
