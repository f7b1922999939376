package org.trackpeer.daemon.nat;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;

/**
 * Recent NAT translations, looked up by what a server saw: protocol, public endpoint and
 * server endpoint.
 *
 * <p>Design: every translation is an entry with a wall-clock life, from its creation to its end
 * (the connection's destruction, or open while the router still holds it). Entries are indexed
 * by their lookup key in a hash map of short lists (a public port towards one server is reused
 * only one connection after another, so the lists stay short). For expiry the same entries are
 * also referenced from a ring of time buckets, by the monotonic time they were last recorded or
 * confirmed. As the ring turns, each bucket that falls out of the retention is emptied, and an
 * entry referenced from it is dropped unless it was touched since (its bucket stamp then names a
 * newer bucket); a confirmation therefore costs one more reference and never a search. When the
 * entry limit is reached the least recently touched entry is evicted, and its life is marked
 * incomplete, because a query about it can no longer be answered.
 *
 * <p>Lost events are kept as wall-clock loss windows, expired on the same ring; {@link
 * #incomplete} says whether a query window overlaps one. Record times are wall-clock, expiry
 * runs on the injected monotonic ticker. All methods are synchronized.
 */
public final class TranslationLog {
  /** Default time an entry is kept after it was last recorded or confirmed: 600 s. */
  public static final long DEFAULT_RETENTION_NANOS = 600_000_000_000L;

  /** Default upper bound on entries. */
  public static final int DEFAULT_MAX_ENTRIES = 1 << 18;

  /** Number of buckets the retention is cut into. */
  static final int BUCKETS = 60;

  /** Upper bound on loss windows kept; beyond it the two oldest are merged. */
  static final int MAX_LOSS_WINDOWS = 4096;

  private static final long OPEN = Long.MAX_VALUE;

  private final LongSupplier ticker;
  private final long bucketNanos;
  private final int maxEntries;
  private final Map<Key, List<Entry>> index = new HashMap<>();
  private final Bucket[] ring = new Bucket[BUCKETS + 1];
  private final ArrayDeque<Loss> losses = new ArrayDeque<>();
  private int entries;
  private long recorded;
  private long evicted;
  private long lossEvents;
  private long resyncs;
  private long dumpMark;
  private long newestWallNanos = Long.MIN_VALUE;

  /** Creates a log with the default retention and entry limit. */
  public TranslationLog(LongSupplier monotonicNanos) {
    this(monotonicNanos, DEFAULT_RETENTION_NANOS, DEFAULT_MAX_ENTRIES);
  }

  /** Creates a log that forgets entries {@code retentionNanos} after they were last touched. */
  public TranslationLog(LongSupplier monotonicNanos, long retentionNanos, int maxEntries) {
    if (retentionNanos < BUCKETS) {
      throw new IllegalArgumentException("retention too short: " + retentionNanos + " ns");
    }
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
    }
    this.ticker = monotonicNanos;
    this.bucketNanos = (retentionNanos + BUCKETS - 1) / BUCKETS;
    this.maxEntries = maxEntries;
    for (int i = 0; i < ring.length; i++) {
      ring[i] = new Bucket();
    }
  }

  /** Counters of the log. */
  public record Stats(int entries, long recorded, long evicted, long lossEvents, long resyncs) {}

  /**
   * Records a translation seen at {@code t.seenWallNanos()}. A translation already held for the
   * same connection is confirmed instead; an open one for the same public endpoint and server
   * but another inside endpoint is closed, since a public endpoint serves one connection at a
   * time.
   */
  public synchronized void record(Translation t) {
    long bucket = advance();
    Key key = Key.of(t);
    long seen = t.seenWallNanos();
    noteWall(seen);
    recorded++;
    List<Entry> list = index.get(key);
    if (list != null) {
      for (Entry e : list) {
        if (e.inside.equals(t.inside()) && (e.endWallNanos == OPEN || seen <= e.endWallNanos)) {
          // an event read late is stamped late; a table read then gives the real start
          e.createdWallNanos = Math.min(e.createdWallNanos, seen);
          e.lastSeenWallNanos = Math.max(e.lastSeenWallNanos, seen);
          if (t.evidence() == Evidence.TRANSLATION) {
            e.evidence = Evidence.TRANSLATION;
            e.dumpMark = dumpMark;
          }
          touch(e, bucket);
          return;
        }
      }
      for (Entry e : list) {
        if (e.endWallNanos == OPEN && e.createdWallNanos <= seen) {
          e.endWallNanos = seen;
        }
      }
    }
    add(key, t, seen, OPEN, bucket);
  }

  /**
   * Records the end of a connection's translation at {@code endWallNanos} (conntrack DESTROY).
   * If its start was never recorded, the translation is kept for the instant it was seen.
   */
  public synchronized void end(Translation t, long endWallNanos) {
    long bucket = advance();
    Key key = Key.of(t);
    noteWall(endWallNanos);
    List<Entry> list = index.get(key);
    if (list != null) {
      for (Entry e : list) {
        if (e.inside.equals(t.inside()) && e.endWallNanos == OPEN) {
          e.endWallNanos = Math.max(endWallNanos, e.createdWallNanos);
          e.lastSeenWallNanos = Math.max(e.lastSeenWallNanos, e.endWallNanos);
          touch(e, bucket);
          return;
        }
      }
    }
    recorded++;
    long start = Math.min(t.seenWallNanos(), endWallNanos);
    add(key, t, start, endWallNanos, bucket);
  }

  /**
   * Returns the translations for a connection a server saw from {@code publicAddress:publicPort}
   * to {@code dst:dstPort} at some time within [fromWallNanos, toWallNanos]: those alive at any
   * moment of the window (created before its end and not ended before its start), newest first.
   */
  public synchronized List<Translation> find(
      int protocol,
      InetAddress publicAddress,
      int publicPort,
      InetAddress dst,
      int dstPort,
      long fromWallNanos,
      long toWallNanos) {
    advance();
    List<Entry> list =
        index.get(new Key(protocol, new Endpoint(publicAddress, publicPort),
            new Endpoint(dst, dstPort)));
    if (list == null) {
      return List.of();
    }
    List<Entry> hits = new ArrayList<>();
    for (Entry e : list) {
      if (e.createdWallNanos <= toWallNanos && e.endWallNanos >= fromWallNanos) {
        hits.add(e);
      }
    }
    hits.sort(Comparator.comparingLong((Entry e) -> e.createdWallNanos).reversed());
    List<Translation> out = new ArrayList<>(hits.size());
    for (Entry e : hits) {
      out.add(new Translation(e.key.protocol, e.inside, e.key.outside, e.key.destination,
          e.createdWallNanos, e.evidence));
    }
    return out;
  }

  /** Notes that events between the two wall-clock times may have been lost. */
  public synchronized void markLoss(long fromWallNanos, long toWallNanos) {
    lossEvents++;
    addLoss(fromWallNanos, toWallNanos, advance());
  }

  /** Returns true when some events of [fromWallNanos, toWallNanos] may be missing. */
  public synchronized boolean incomplete(long fromWallNanos, long toWallNanos) {
    advance();
    for (Loss l : losses) {
      if (l.fromWallNanos <= toWallNanos && l.toWallNanos >= fromWallNanos) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts a full re-read of the router's table and returns its mark for {@link #endDump};
   * {@code afterLoss} counts it as a resynchronisation.
   */
  public synchronized long beginDump(boolean afterLoss) {
    if (afterLoss) {
      resyncs++;
    }
    return ++dumpMark;
  }

  /**
   * Completes a full re-read: open {@link Evidence#TRANSLATION} entries it did not confirm are
   * gone from the router, so they are closed at {@code wallNanos}.
   */
  public synchronized void endDump(long mark, long wallNanos) {
    advance();
    for (List<Entry> list : index.values()) {
      for (Entry e : list) {
        if (e.evidence == Evidence.TRANSLATION && e.endWallNanos == OPEN && e.dumpMark < mark) {
          e.endWallNanos = Math.max(wallNanos, e.createdWallNanos);
        }
      }
    }
  }

  /** Forgets entries and loss windows older than the retention. */
  public synchronized void expire() {
    advance();
  }

  /** Returns the counters. */
  public synchronized Stats stats() {
    advance();
    return new Stats(entries, recorded, evicted, lossEvents, resyncs);
  }

  private void add(Key key, Translation t, long createdWallNanos, long endWallNanos, long bucket) {
    if (entries >= maxEntries) {
      evictOldest();
    }
    Entry e = new Entry(key, t.inside(), createdWallNanos);
    e.endWallNanos = endWallNanos;
    e.lastSeenWallNanos = t.seenWallNanos();
    e.evidence = t.evidence();
    e.dumpMark = dumpMark;
    index.computeIfAbsent(key, k -> new ArrayList<>(2)).add(e);
    entries++;
    touch(e, bucket);
  }

  private void evictOldest() {
    while (true) {
      Bucket oldest = null;
      for (Bucket b : ring) {
        if (!b.refs.isEmpty() && (oldest == null || b.epoch < oldest.epoch)) {
          oldest = b;
        }
      }
      if (oldest == null) {
        return;
      }
      while (!oldest.refs.isEmpty()) {
        Entry e = oldest.refs.pollFirst();
        if (!e.removed && e.bucket == oldest.epoch) {
          remove(e);
          evicted++;
          long end = e.endWallNanos == OPEN
              ? Math.max(newestWallNanos, e.lastSeenWallNanos) : e.endWallNanos;
          addLoss(e.createdWallNanos, end, currentBucket());
          return;
        }
      }
    }
  }

  private void touch(Entry e, long bucket) {
    if (e.bucket == bucket) {
      return;
    }
    e.bucket = bucket;
    slot(bucket).refs.addLast(e);
  }

  private Bucket slot(long bucket) {
    Bucket b = ring[(int) Math.floorMod(bucket, (long) ring.length)];
    if (b.epoch != bucket) {
      drop(b);
      b.epoch = bucket;
    }
    return b;
  }

  private long currentBucket() {
    return Math.floorDiv(ticker.getAsLong(), bucketNanos);
  }

  /** Empties the buckets that fell out of the retention and returns the current bucket. */
  private long advance() {
    long now = currentBucket();
    long oldestKept = now - BUCKETS;
    for (Bucket b : ring) {
      if (b.epoch < oldestKept && !b.refs.isEmpty()) {
        drop(b);
      }
    }
    while (!losses.isEmpty() && losses.peekFirst().bucket < oldestKept) {
      losses.pollFirst();
    }
    return now;
  }

  private void drop(Bucket b) {
    for (Entry e : b.refs) {
      if (!e.removed && e.bucket == b.epoch) {
        remove(e);
      }
    }
    b.refs.clear();
  }

  private void remove(Entry e) {
    e.removed = true;
    List<Entry> list = index.get(e.key);
    if (list != null) {
      list.remove(e);
      if (list.isEmpty()) {
        index.remove(e.key);
      }
    }
    entries--;
  }

  private void addLoss(long fromWallNanos, long toWallNanos, long bucket) {
    long from = Math.min(fromWallNanos, toWallNanos);
    long to = Math.max(fromWallNanos, toWallNanos);
    Loss last = losses.peekLast();
    if (last != null && from <= last.toWallNanos && to >= last.fromWallNanos) {
      losses.pollLast();
      losses.addLast(new Loss(Math.min(from, last.fromWallNanos),
          Math.max(to, last.toWallNanos), bucket));
      return;
    }
    if (losses.size() >= MAX_LOSS_WINDOWS) {
      Loss a = losses.pollFirst();
      Loss b = losses.pollFirst();
      losses.addFirst(new Loss(Math.min(a.fromWallNanos, b.fromWallNanos),
          Math.max(a.toWallNanos, b.toWallNanos), b.bucket));
    }
    losses.addLast(new Loss(from, to, bucket));
  }

  private void noteWall(long wallNanos) {
    if (wallNanos > newestWallNanos) {
      newestWallNanos = wallNanos;
    }
  }

  /** What a query names: protocol, public endpoint, server endpoint. */
  private record Key(int protocol, Endpoint outside, Endpoint destination) {
    static Key of(Translation t) {
      return new Key(t.protocol(), t.outside(), t.destination());
    }
  }

  /** A wall-clock window in which events may have been lost. */
  private record Loss(long fromWallNanos, long toWallNanos, long bucket) {}

  private static final class Entry {
    final Key key;
    final Endpoint inside;
    long createdWallNanos;
    long lastSeenWallNanos;
    long endWallNanos;
    Evidence evidence;
    long dumpMark;
    long bucket = Long.MIN_VALUE;
    boolean removed;

    Entry(Key key, Endpoint inside, long createdWallNanos) {
      this.key = key;
      this.inside = inside;
      this.createdWallNanos = createdWallNanos;
    }
  }

  private static final class Bucket {
    long epoch = Long.MIN_VALUE;
    final ArrayDeque<Entry> refs = new ArrayDeque<>();
  }
}
