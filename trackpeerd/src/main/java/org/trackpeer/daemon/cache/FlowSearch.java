package org.trackpeer.daemon.cache;

import java.util.Arrays;

/**
 * One run of {@link FlowCache#find}: what a matching entry looks like, and the flows found so
 * far, each with its first and last time merged over the buckets visited.
 *
 * <p>Buckets are visited newest first and numbered in that order ({@code position}). A flow is
 * found when one of its entries lies in the window; at most {@code limit} flows are found, and
 * a further one only sets {@link #truncated}. Every later entry of a found flow merges into its
 * times. An entry outside the window of a flow not (yet) found is passed over, and its bucket
 * is remembered, so that {@link #mergeMissed} can take it once the flow is found in an older
 * bucket. The caller holds the cache's lock during each call that reads a table, or reads
 * without it and validates what it read afterwards ({@link FlowCache}).
 *
 * <p>The found flows are kept in flat arrays with an open-addressing index over their full key
 * (address words, meta word, MAC), so a visit allocates nothing per slot.
 */
final class FlowSearch {
  private static final long OCCUPIED = 1L << 63;
  private static final long PROTOCOL_AND_DST_PORT = 0xFF_FFFF_0000L;

  private static final long[] NO_LONGS = new long[0];
  private static final int[] NO_INTS = new int[0];

  /** Arrays grown beyond this many flows are not kept for the next search. */
  private static final int KEEP_FLOWS = 64;

  private final long seed;
  private int addrWords;
  private int keyWords;
  private long metaMask;
  private long metaWant;
  private long[] dst;
  private long[] src;
  private long from;
  private long to;
  private int limit;

  /** Key words of the found flows: the address words, meta, MAC; {@link #keyWords} each. */
  private long[] keys = NO_LONGS;

  /** Per found flow: hash of its table key, first and last wall time in nanoseconds. */
  private long[] hashes = NO_LONGS;

  private long[] firsts = NO_LONGS;
  private long[] lasts = NO_LONGS;

  /** Per found flow: position of the bucket it was found in. */
  private int[] foundAt = NO_INTS;

  private int size;

  /** Flow number + 1 per slot, 0 for free; a power of two at most half used. */
  private int[] index = new int[16];

  /** Positions whose bucket held an entry passed over; null while there is none. */
  private boolean[] passedOver;

  private boolean truncated;

  /** Scratch flags per bucket position ({@link #flags}). */
  private boolean[] flags = new boolean[0];

  /**
   * Makes a search for a cache whose tables hash with {@code seed}; {@link #start} prepares it
   * for a query. One search serves one thread's queries one after the other, so a lookup
   * allocates only what it returns.
   */
  FlowSearch(long seed) {
    this.seed = seed;
  }

  /**
   * Prepares a search for the flows of {@code q}, forgetting any earlier one; {@code dst} and
   * {@code src} are the address words (one for IPv4, high and low for IPv6), {@code src} null
   * for any source address.
   */
  void start(FlowQuery q, boolean v6, long[] dst, long[] src) {
    this.addrWords = v6 ? 4 : 1;
    this.keyWords = addrWords + 2;
    long want = ((long) q.protocol() << 32) | ((long) q.dstPort() << 16);
    if (q.anySourcePort()) {
      this.metaMask = OCCUPIED | PROTOCOL_AND_DST_PORT;
      this.metaWant = OCCUPIED | want;
    } else {
      this.metaMask = OCCUPIED | PROTOCOL_AND_DST_PORT | 0xFFFF;
      this.metaWant = OCCUPIED | want | q.srcPort();
    }
    this.dst = dst;
    this.src = src;
    this.from = q.fromWallNanos();
    this.to = q.toWallNanos();
    this.limit = q.limit();
    if (foundAt.length > KEEP_FLOWS) {
      keys = NO_LONGS;
      hashes = NO_LONGS;
      firsts = NO_LONGS;
      lasts = NO_LONGS;
      foundAt = NO_INTS;
      index = new int[16];
    } else if (keys.length < foundAt.length * keyWords) {
      // the arrays last held IPv4 keys, and IPv6 ones take more words
      keys = Arrays.copyOf(keys, foundAt.length * keyWords);
    }
    clear();
  }

  /** Returns the hash of the probe chain a keyed query follows in every table. */
  long queryHash() {
    return FlowTable.hash(seed, metaWant & FlowCache.KEY40_MASK,
        addrWords == 4 ? dst[0] : 0, dst[addrWords == 4 ? 1 : 0]);
  }

  /**
   * Visits the matching entries on the probe chain of {@code hash}, the {@link #queryHash}, in
   * {@code b}'s table; skips the table when its filter shows none can be there.
   */
  void probe(Bucket b, FlowTable t, long hash, int position) {
    if (src == null ? !t.mayContain(hash) : !t.mayContainSender(senderHash(hash))) {
      return;
    }
    follow(b, t, hash, position);
  }

  /**
   * Returns the hash a table's filter is read with for this search: the sender hash of the
   * {@link #queryHash} {@code hash} when the source address is known, else {@code hash}.
   */
  long filterHash(long hash) {
    return src == null ? hash : senderHash(hash);
  }

  /** Returns true when the search reads the sender filter (the source address is known). */
  boolean bySender() {
    return src != null;
  }

  /**
   * Returns an array of at least {@code n} flags, kept from one search to the next; its
   * contents are whatever the last user left.
   */
  boolean[] flags(int n) {
    if (flags.length < n) {
      flags = new boolean[Math.max(n, 2 * flags.length)];
    }
    return flags;
  }

  /**
   * Visits the matching entries on the probe chain of {@code hash} in {@code b}'s table,
   * which its filter let through.
   */
  void follow(Bucket b, FlowTable t, long hash, int position) {
    long[] s = t.slots;
    int slot = t.home(hash);
    for (int p = 0; p < FlowTable.MAX_PROBES; p++) {
      int off = slot * t.stride;
      long meta = s[off + addrWords];
      if (meta == 0) {
        return;
      }
      if ((meta & metaMask) == metaWant && addressesMatch(s, off)) {
        visit(b, t, off, position);
      }
      slot = t.next(slot, p);
    }
  }

  /** Visits every matching entry of {@code b}'s table. */
  void scan(Bucket b, FlowTable t, int position) {
    long[] s = t.slots;
    int stride = t.stride;
    int end = t.slotWords();
    long mask = metaMask;
    long want = metaWant;
    // the meta word is compared first, with one masked compare, on every slot
    for (int m = addrWords; m < end; m += stride) {
      if ((s[m] & mask) == want && addressesMatch(s, m - addrWords)) {
        visit(b, t, m - addrWords, position);
      }
    }
  }

  private long senderHash(long keyHash) {
    return addrWords == 4
        ? FlowTable.senderHash(keyHash, src[0], src[1])
        : FlowTable.senderHash(keyHash, 0, src[0]);
  }

  private boolean addressesMatch(long[] s, int off) {
    if (addrWords == 4) {
      return s[off + 2] == dst[0]
          && s[off + 3] == dst[1]
          && (src == null || (s[off] == src[0] && s[off + 1] == src[1]));
    }
    return (s[off] & 0xFFFF_FFFFL) == dst[0] && (src == null || (s[off] >>> 32) == src[0]);
  }

  private void visit(Bucket b, FlowTable t, int off, int position) {
    long first = b.wallNanos(t.firstAt(off));
    long last = b.wallNanos(t.lastAt(off));
    int i = indexOf(t.slots, off);
    if (i >= 0) {
      firsts[i] = Math.min(firsts[i], first);
      lasts[i] = Math.max(lasts[i], last);
    } else if (first > to || last < from) {
      if (passedOver == null) {
        passedOver = new boolean[position + 1];
      } else if (passedOver.length <= position) {
        passedOver = Arrays.copyOf(passedOver, Math.max(position + 1, 2 * passedOver.length));
      }
      passedOver[position] = true;
    } else if (size >= limit) {
      truncated = true;
    } else {
      add(t.slots, off, first, last, position);
    }
  }

  /**
   * Merges into the found flows their entries in {@code b}'s table that the visit at {@code
   * position} passed over: those of flows found in older buckets.
   */
  void mergeMissed(Bucket b, FlowTable t, int position) {
    if (passedOver(position)) {
      mergeFrom(b, t, position);
    }
  }

  /** Merges into every found flow its entry in {@code b}'s table, a bucket not visited. */
  void mergeAll(Bucket b, FlowTable t) {
    mergeFrom(b, t, -1);
  }

  /** Merges the entries of the flows found at a position after {@code position}. */
  private void mergeFrom(Bucket b, FlowTable t, int position) {
    if (t.slots == null || size == 0) {
      return;
    }
    int wanted = 0;
    for (int i = 0; i < size; i++) {
      if (foundAt[i] > position) {
        wanted++;
      }
    }
    long[] s = t.slots;
    if (wanted * 8L > t.capacity()) {
      // cheaper to read the table once than to follow a probe chain per flow
      for (int m = addrWords; m < t.slotWords(); m += t.stride) {
        if ((s[m] & metaMask) == metaWant) {
          int off = m - addrWords;
          int i = indexOf(s, off);
          if (i >= 0 && foundAt[i] > position) {
            merge(b, t, off, i);
          }
        }
      }
      return;
    }
    for (int i = 0; i < size; i++) {
      int k = i * keyWords;
      long sender = addrWords == 4
          ? FlowTable.senderHash(hashes[i], keys[k], keys[k + 1])
          : FlowTable.senderHash(hashes[i], 0, keys[k] >>> 32);
      if (foundAt[i] <= position || !t.mayContainSender(sender)) {
        continue;
      }
      int off =
          addrWords == 4
              ? t.find(hashes[i], keys[k], keys[k + 1], keys[k + 2], keys[k + 3], keys[k + 4],
                  keys[k + 5])
              : t.find(hashes[i], keys[k], 0, 0, 0, keys[k + 1], keys[k + 2]);
      if (off >= 0) {
        merge(b, t, off, i);
      }
    }
  }

  private void merge(Bucket b, FlowTable t, int off, int i) {
    firsts[i] = Math.min(firsts[i], b.wallNanos(t.firstAt(off)));
    lasts[i] = Math.max(lasts[i], b.wallNanos(t.lastAt(off)));
  }

  /** Forgets every flow found, to visit the buckets again. */
  void clear() {
    size = 0;
    truncated = false;
    passedOver = null;
    Arrays.fill(index, 0);
  }

  /** Returns true when the visit at {@code position} passed over an entry. */
  boolean passedOver(int position) {
    return passedOver != null && position < passedOver.length && passedOver[position];
  }

  /** Returns a copy of the found flows' first and last times, for {@link #restoreTimes}. */
  long[] times() {
    long[] t = new long[2 * size];
    System.arraycopy(firsts, 0, t, 0, size);
    System.arraycopy(lasts, 0, t, size, size);
    return t;
  }

  /** Puts back the times {@link #times} copied; no flow may have been found since. */
  void restoreTimes(long[] t) {
    System.arraycopy(t, 0, firsts, 0, size);
    System.arraycopy(t, size, lasts, 0, size);
  }

  /** Returns true when more flows matched in the window than the limit. */
  boolean truncated() {
    return truncated;
  }

  /** Returns the number of flows found. */
  int size() {
    return size;
  }

  /** Returns word {@code w} of found flow {@code i}'s key (address words, meta, MAC). */
  long key(int i, int w) {
    return keys[i * keyWords + w];
  }

  long first(int i) {
    return firsts[i];
  }

  long last(int i) {
    return lasts[i];
  }

  private int indexOf(long[] s, int off) {
    int mask = index.length - 1;
    for (int slot = (int) keyHash(s, off) & mask; ; slot = (slot + 1) & mask) {
      int n = index[slot];
      if (n == 0) {
        return -1;
      }
      if (sameKey(s, off, (n - 1) * keyWords)) {
        return n - 1;
      }
    }
  }

  private boolean sameKey(long[] s, int off, int k) {
    for (int w = 0; w < addrWords + 1; w++) {
      if (keys[k + w] != s[off + w]) {
        return false;
      }
    }
    return keys[k + addrWords + 1] == (s[off + addrWords + 1] & FlowTable.MAC_MASK);
  }

  private long keyHash(long[] s, int off) {
    long h = s[off + addrWords] ^ (s[off + addrWords + 1] & FlowTable.MAC_MASK) * 31;
    for (int w = 0; w < addrWords; w++) {
      h = FlowTable.mix(h ^ s[off + w]);
    }
    return h;
  }

  private void add(long[] s, int off, long first, long last, int position) {
    if (size == foundAt.length) {
      int n = Math.max(4, 2 * size);
      keys = Arrays.copyOf(keys, n * keyWords);
      hashes = Arrays.copyOf(hashes, n);
      firsts = Arrays.copyOf(firsts, n);
      lasts = Arrays.copyOf(lasts, n);
      foundAt = Arrays.copyOf(foundAt, n);
    }
    if (2 * (size + 1) > index.length) {
      index = new int[2 * index.length];
      for (int i = 0; i < size; i++) {
        place(keys, i * keyWords, i);
      }
    }
    int k = size * keyWords;
    System.arraycopy(s, off, keys, k, addrWords + 1);
    keys[k + addrWords + 1] = s[off + addrWords + 1] & FlowTable.MAC_MASK;
    long meta = s[off + addrWords];
    hashes[size] =
        FlowTable.hash(seed, meta & FlowCache.KEY40_MASK, addrWords == 4 ? s[off + 2] : 0,
            addrWords == 4 ? s[off + 3] : s[off] & 0xFFFF_FFFFL);
    firsts[size] = first;
    lasts[size] = last;
    foundAt[size] = position;
    place(keys, k, size);
    size++;
  }

  private void place(long[] k, int keyOff, int flow) {
    int mask = index.length - 1;
    int slot = (int) keyHash(k, keyOff) & mask;
    while (index[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    index[slot] = flow + 1;
  }
}
