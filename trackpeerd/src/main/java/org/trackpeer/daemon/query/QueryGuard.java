package org.trackpeer.daemon.query;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.QueryCodec;

/**
 * Who may ask how often, and whether a request proves it knows a shared secret: the query
 * server consults this before it answers.
 *
 * <p>Design: one token bucket per source address (bounded map; buckets of idle sources, which
 * have refilled, are dropped when it is full, and sources beyond the bound share one bucket),
 * one global bucket, and one bucket for the negative replies (refused, rate_limited) so that a
 * flood of unwanted requests gets at most a trickle of answers. Authentication, when keys are
 * configured, checks the request's trailer and records its nonce against replays. Everything
 * here runs on the query thread; the counters are read from others.
 */
public final class QueryGuard {
  /** Sources with their own bucket; beyond this, sources share one. */
  static final int CLIENTS_MAX = 4096;
  /** Nonces remembered for replay detection; beyond this, requests are turned away. */
  static final int NONCES_MAX = 65536;

  /** Reasons an authenticated request may fail, in the order the stats list them. */
  static final List<String> AUTH_FAILURES =
      List.of("not_authenticated", "not_configured", "short_trailer", "unknown_key", "bad_mac",
          "nonzero_padding", "clock_skew", "replay", "nonce_cache_full");

  /**
   * Limits and keys.
   *
   * @param perClientPerSecond queries a second one source may send; 0 = unlimited
   * @param perClientBurst how many queries one source may send at once
   * @param totalPerSecond queries a second from all sources together; 0 = unlimited
   * @param totalBurst how many queries all sources may send at once
   * @param negativeRepliesPerSecond refused and rate_limited replies sent a second, in all
   * @param keys shared secrets by key id; empty = no authentication required
   */
  public record Settings(
      double perClientPerSecond,
      int perClientBurst,
      double totalPerSecond,
      int totalBurst,
      double negativeRepliesPerSecond,
      Map<Long, Auth.Key> keys) {

    /** No limits and no authentication. */
    public static Settings open() {
      return new Settings(0, 1, 0, 1, 0, Map.of());
    }
  }

  private final Settings settings;
  private final LongSupplier nanoTime;
  private final LongSupplier wallSeconds;
  private final Map<InetAddress, TokenBucket> clients = new HashMap<>();
  private final TokenBucket overflow;
  private final TokenBucket total;
  private final TokenBucket negative;
  private final NonceCache nonces = new NonceCache(Auth.WINDOW_SECONDS, NONCES_MAX);
  private final AtomicLong rateLimited = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();
  private final Map<String, AtomicLong> authFailed = new LinkedHashMap<>();

  /**
   * Creates the guard.
   *
   * @param nanoTime a monotonic clock for the buckets and nonce lifetimes
   * @param wallSeconds seconds since the Epoch, for request timestamps
   */
  public QueryGuard(Settings settings, LongSupplier nanoTime, LongSupplier wallSeconds) {
    this.settings = settings;
    this.nanoTime = nanoTime;
    this.wallSeconds = wallSeconds;
    long now = nanoTime.getAsLong();
    this.overflow = perClientBucket(now);
    this.total = new TokenBucket(settings.totalPerSecond(), settings.totalBurst(), now);
    double neg = settings.negativeRepliesPerSecond();
    this.negative = new TokenBucket(neg, Math.max(1, 2 * neg), now);
    for (String r : AUTH_FAILURES) {
      authFailed.put(r, new AtomicLong());
    }
  }

  private TokenBucket perClientBucket(long now) {
    return new TokenBucket(settings.perClientPerSecond(), settings.perClientBurst(), now);
  }

  long nanoTime() {
    return nanoTime.getAsLong();
  }

  /** True when a query from {@code source} is within both rate limits; counts it otherwise. */
  boolean admitQuery(InetAddress source, long nowNanos) {
    TokenBucket b = clients.get(source);
    if (b == null) {
      if (clients.size() >= CLIENTS_MAX) {
        dropIdle(nowNanos);
      }
      if (clients.size() < CLIENTS_MAX) {
        b = perClientBucket(nowNanos);
        clients.put(source, b);
      } else {
        b = overflow;
      }
    }
    // the per-source bucket is asked first so one noisy source does not drain the global one
    if (!b.tryTake(nowNanos) || !total.tryTake(nowNanos)) {
      rateLimited.incrementAndGet();
      return false;
    }
    return true;
  }

  private void dropIdle(long nowNanos) {
    for (Iterator<TokenBucket> it = clients.values().iterator(); it.hasNext(); ) {
      if (it.next().isFull(nowNanos)) {
        it.remove();
      }
    }
  }

  /** True when a refused or rate_limited reply may be sent now; counts it otherwise. */
  boolean admitNegativeReply(long nowNanos) {
    if (negative.tryTake(nowNanos)) {
      return true;
    }
    suppressed.incrementAndGet();
    return false;
  }

  /** True when requests must carry a valid authentication trailer. */
  boolean authRequired() {
    return !settings.keys().isEmpty();
  }

  /**
   * Checks an authenticated request (or the lack of one when keys are configured).
   *
   * @return the key and nonce to seal the reply with
   * @throws Auth.AuthException naming the failure, which has been counted
   */
  Auth.Verified verify(byte[] buf, int len, DecodedRequest req, long nowNanos)
      throws Auth.AuthException {
    try {
      if (!authRequired()) {
        throw new Auth.AuthException("not_configured");
      }
      Auth.Verified v = Auth.verifyRequest(
          buf, len, QueryCodec.requestFieldsSize(req), settings.keys(), wallSeconds.getAsLong());
      switch (nonces.record(v.nonce(), nowNanos)) {
        case REPLAY:
          throw new Auth.AuthException("replay");
        case FULL:
          throw new Auth.AuthException("nonce_cache_full");
        default:
          return v;
      }
    } catch (Auth.AuthException e) {
      AtomicLong c = authFailed.get(e.getMessage());
      if (c != null) {
        c.incrementAndGet();
      }
      throw e;
    }
  }

  /** Returns the guard's counters as name and value, in a fixed order. */
  public Map<String, Long> counters() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("query_rate_limited", rateLimited.get());
    m.put("query_negative_replies_suppressed", suppressed.get());
    for (Map.Entry<String, AtomicLong> e : authFailed.entrySet()) {
      m.put("query_auth_failed_" + e.getKey(), e.getValue().get());
    }
    return m;
  }
}
