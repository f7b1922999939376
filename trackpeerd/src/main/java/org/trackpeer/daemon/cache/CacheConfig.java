package org.trackpeer.daemon.cache;

/**
 * Sizing and retention of a {@link FlowCache}.
 *
 * @param retentionNanos how long a flow is kept after its last frame (monotonic time)
 * @param bucketSpanNanos monotonic time covered by one bucket; expiry granularity
 * @param maxEntries the most flow entries held at once (IPv4 and IPv6 together)
 * @param maxSharePerMac the largest fraction of {@code maxEntries} one source MAC may hold
 */
public record CacheConfig(
    long retentionNanos, long bucketSpanNanos, long maxEntries, double maxSharePerMac) {
  /** Default retention: ten minutes. */
  public static final long DEFAULT_RETENTION_NANOS = 600_000_000_000L;

  /** Default bucket span: five seconds. */
  public static final long DEFAULT_BUCKET_SPAN_NANOS = 5_000_000_000L;

  /** Default entry cap: about 180 MB of IPv4 flows. */
  public static final long DEFAULT_MAX_ENTRIES = 4_000_000L;

  /** Default share: one MAC may hold half the cache. */
  public static final double DEFAULT_MAX_SHARE_PER_MAC = 0.5;

  /** Upper bound accepted for {@code maxEntries}. */
  public static final long MAX_ENTRIES_LIMIT = 1L << 30;

  /** Validates every field. */
  public CacheConfig {
    if (retentionNanos <= 0) {
      throw new IllegalArgumentException("retention must be positive: " + retentionNanos);
    }
    if (bucketSpanNanos <= 0 || bucketSpanNanos > retentionNanos) {
      throw new IllegalArgumentException(
          "bucket span must be in 1.." + retentionNanos + " ns: " + bucketSpanNanos);
    }
    if (maxEntries < 1 || maxEntries > MAX_ENTRIES_LIMIT) {
      throw new IllegalArgumentException(
          "maxEntries must be in 1.." + MAX_ENTRIES_LIMIT + ": " + maxEntries);
    }
    if (!(maxSharePerMac > 0.0 && maxSharePerMac <= 1.0)) {
      throw new IllegalArgumentException("maxSharePerMac must be in (0, 1]: " + maxSharePerMac);
    }
  }

  /** Returns the defaults: 600 s retention, 5 s buckets, 4 million entries, share 0.5. */
  public static CacheConfig defaults() {
    return new CacheConfig(
        DEFAULT_RETENTION_NANOS,
        DEFAULT_BUCKET_SPAN_NANOS,
        DEFAULT_MAX_ENTRIES,
        DEFAULT_MAX_SHARE_PER_MAC);
  }

  /** Returns a copy with another retention. */
  public CacheConfig withRetentionNanos(long nanos) {
    return new CacheConfig(nanos, Math.min(bucketSpanNanos, nanos), maxEntries, maxSharePerMac);
  }

  /** Returns a copy with another entry cap. */
  public CacheConfig withMaxEntries(long entries) {
    return new CacheConfig(retentionNanos, bucketSpanNanos, entries, maxSharePerMac);
  }
}
