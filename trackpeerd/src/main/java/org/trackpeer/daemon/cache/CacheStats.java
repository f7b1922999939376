package org.trackpeer.daemon.cache;

/**
 * A snapshot of {@link FlowCache} counters.
 *
 * @param entriesV4 IPv4 flow entries held (one per flow per bucket)
 * @param entriesV6 IPv6 flow entries held
 * @param buckets buckets held
 * @param evictions entries dropped early because the entry cap was reached
 * @param expired entries dropped because their retention ran out
 * @param rejectedByShare new flows not stored because their MAC held its full share
 * @param rejectedByCollision new flows not stored because their hash chain was at its limit
 * @param approxBytes heap held by tables, sketches and recycled arrays
 */
public record CacheStats(
    long entriesV4,
    long entriesV6,
    int buckets,
    long evictions,
    long expired,
    long rejectedByShare,
    long rejectedByCollision,
    long approxBytes) {
  /** Returns IPv4 plus IPv6 entries. */
  public long entries() {
    return entriesV4 + entriesV6;
  }
}
