package org.trackpeer.daemon.cache;

/**
 * One bucket's open-addressing table of flow entries of one address family, packed in a
 * {@code long[]} (layout in {@link FlowCache}), followed in the same array by two small filters
 * of the keys it holds.
 *
 * <p>The table is indexed by a hash of (protocol, destination address, destination port,
 * source port) only, so a lookup that does not know the source address (the NAT form) still
 * probes one chain. Collisions are resolved by triangular probing over a power-of-two table,
 * which visits every slot; a probe sequence never exceeds {@link #MAX_PROBES}, so a flood of
 * senders that share one chain costs bounded work and the extra ones are refused. Entries are
 * never removed one by one: the whole table is dropped with its bucket, so there are no
 * tombstones.
 *
 * <p><b>Filters.</b> After the slots come two filters of {@code max(1, slots / 8)} words each,
 * 8 bits per slot: blocked Bloom filters, the first of the lookup-key hashes of the entries,
 * the second of their sender hashes (the lookup key and the source address, {@link
 * #senderHash}). A hash sets 3 bits in one word (the word chosen by the hash's low bits, the
 * bits by bits 20-37; the home slot comes from the high bits). {@link #mayContain} reads one
 * word of the first: a query for any source address skips a bucket without the key after one
 * read of a filter 1/32 (IPv4) or 1/56 (IPv6) of the table's size, instead of a cache miss on
 * the table. {@link #mayContainSender} reads one word of the second, so a query for one sender
 * also skips the buckets where only other senders used that source port towards that server:
 * a busy server (a DNS resolver) meets most source ports in every bucket. A table at load 3/4
 * holds 10.7 bits per entry in each filter, which lets through about 4% of the hashes it does
 * not hold. The filters cost 2.7 bytes per entry.
 */
final class FlowTable {
  /** Smallest table: 16 slots. */
  static final int MIN_LOG2 = 4;

  /** Longest probe sequence for insert and lookup. */
  static final int MAX_PROBES = 128;

  /** Returned by {@link #find} when the probe limit was reached without a match or free slot. */
  static final int NO_ROOM = Integer.MIN_VALUE;

  static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;
  static final long TIME_MASK = (1L << 40) - 1;
  static final long LOW24 = (1L << 24) - 1;

  /** Address words per entry: 1 for IPv4 (source and destination), 4 for IPv6. */
  final int addrWords;

  /** Words per entry: the address words, meta, MAC with first-seen high bits, times. */
  final int stride;

  private final long seed;
  long[] slots;
  int log2;
  int count;

  /** Offset of the filter in {@link #slots}: the first word after the last slot. */
  private int filterAt;

  /** Size of the first array, from the previous bucket's entry count. */
  int plannedLog2 = MIN_LOG2;

  FlowTable(int addrWords, long seed) {
    this.addrWords = addrWords;
    this.stride = addrWords + 3;
    this.seed = seed;
  }

  /** Hash of the lookup key: the meta word's low 40 bits and the destination address. */
  static long hash(long seed, long key40, long dstHi, long dstLo) {
    long h = mix(mix(seed ^ key40) ^ dstLo);
    return dstHi == 0 ? h : mix(h ^ dstHi);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  int capacity() {
    return slots == null ? 0 : 1 << log2;
  }

  /** Returns the words of one array: {@code stride} per slot, then the filter. */
  static int words(int stride, int log2) {
    return (stride << log2) + 2 * filterWords(log2);
  }

  static int filterWords(int log2) {
    return Math.max(1, (1 << log2) >> 3);
  }

  /** Returns the words of the slots, where the filter starts. */
  int slotWords() {
    return filterAt;
  }

  /**
   * Returns false when no entry with lookup-key hash {@code hash} is held; true when one may
   * be. The table must be allocated.
   */
  boolean mayContain(long hash) {
    long bits = filterBits(hash);
    return (slots[filterAt + filterWord(hash)] & bits) == bits;
  }

  /**
   * Returns false when no entry with sender hash {@code senderHash} ({@link #senderHash}) is
   * held; true when one may be. The table must be allocated.
   */
  boolean mayContainSender(long senderHash) {
    long bits = filterBits(senderHash);
    return (slots[filterAt + filterWords(log2) + filterWord(senderHash)] & bits) == bits;
  }

  /**
   * Hash of an entry's lookup key ({@code keyHash}) and its source address: {@code srcLo} the
   * IPv4 address or the low word of the IPv6 one, {@code srcHi} the high word (0 for IPv4).
   */
  static long senderHash(long keyHash, long srcHi, long srcLo) {
    return mix(mix(keyHash ^ srcLo) ^ srcHi);
  }

  private long senderHashAt(long[] s, int off, long keyHash) {
    return addrWords == 1
        ? senderHash(keyHash, 0, s[off] >>> 32)
        : senderHash(keyHash, s[off], s[off + 1]);
  }

  private int filterWord(long hash) {
    return (int) hash & (filterWords(log2) - 1);
  }

  static long filterBits(long hash) {
    return (1L << (hash >>> 20)) | (1L << (hash >>> 26)) | (1L << (hash >>> 32));
  }

  private void addToFilters(long hash, long senderHash) {
    slots[filterAt + filterWord(hash)] |= filterBits(hash);
    slots[filterAt + filterWords(log2) + filterWord(senderHash)] |= filterBits(senderHash);
  }

  /** Returns the first slot a key with {@code hash} probes. */
  int home(long hash) {
    return (int) (hash >>> (64 - log2));
  }

  /** Returns the slot after {@code slot} at probe number {@code probe} (0-based). */
  int next(int slot, int probe) {
    return (slot + probe + 1) & ((1 << log2) - 1);
  }

  /**
   * Returns the word offset of the entry with this full key, {@code -(offset + 1)} of the free
   * slot where it belongs, or {@link #NO_ROOM}. The table must be allocated.
   */
  int find(long hash, long a0, long a1, long a2, long a3, long meta, long mac) {
    long[] s = slots;
    int slot = home(hash);
    for (int p = 0; p < MAX_PROBES; p++) {
      int off = slot * stride;
      long m = s[off + addrWords];
      if (m == 0) {
        return -(off + 1);
      }
      if (m == meta
          && (s[off + addrWords + 1] & MAC_MASK) == mac
          && s[off] == a0
          && (addrWords == 1 || (s[off + 1] == a1 && s[off + 2] == a2 && s[off + 3] == a3))) {
        return off;
      }
      slot = next(slot, p);
    }
    return NO_ROOM;
  }

  /**
   * Writes a new entry with lookup-key hash {@code hash} at word offset {@code off}, seen once
   * at time offset {@code t}.
   */
  void insert(
      int off, long hash, long a0, long a1, long a2, long a3, long meta, long mac, long t) {
    long[] s = slots;
    s[off] = a0;
    if (addrWords == 4) {
      s[off + 1] = a1;
      s[off + 2] = a2;
      s[off + 3] = a3;
    }
    addToFilters(hash, senderHashAt(s, off, hash));
    s[off + addrWords] = meta;
    s[off + addrWords + 1] = mac | ((t >>> 24) << 48);
    s[off + addrWords + 2] = ((t & LOW24) << 40) | t;
    count++;
  }

  /** Widens the entry at {@code off} to include time offset {@code t}. */
  void touch(int off, long t) {
    long[] s = slots;
    int w = off + addrWords + 1;
    long first = firstAt(off);
    long last = s[w + 1] & TIME_MASK;
    if (t > last) {
      s[w + 1] = (s[w + 1] & ~TIME_MASK) | t;
    } else if (t < first) {
      s[w] = (s[w] & MAC_MASK) | ((t >>> 24) << 48);
      s[w + 1] = ((t & LOW24) << 40) | last;
    }
  }

  long metaAt(int off) {
    return slots[off + addrWords];
  }

  long macAt(int off) {
    return slots[off + addrWords + 1] & MAC_MASK;
  }

  long firstAt(int off) {
    int w = off + addrWords + 1;
    return ((slots[w] >>> 48) << 24) | (slots[w + 1] >>> 40);
  }

  long lastAt(int off) {
    return slots[off + addrWords + 2] & TIME_MASK;
  }

  /** Returns true when one more entry would push the load above 3/4. */
  boolean needsGrowth() {
    return slots == null || (count + 1) > (3 << log2) >> 2;
  }

  /** Returns the smallest table size (log2) that holds this table's entries at load 3/4. */
  int log2For() {
    int l = MIN_LOG2;
    while (count > (3 << l) >> 2) {
      l++;
    }
    return l;
  }

  /**
   * Allocates the first array at the planned size or doubles the table, rehashing every entry.
   * The outgrown array is left to the collector: the pool keeps only arrays of dropped buckets,
   * and since a new table starts at the size its predecessor needed, growth is rare once the
   * traffic is steady. Rehashing places every entry; one that would land beyond {@link
   * #MAX_PROBES} (possible only when more than that many entries share one probe path) is then
   * reached by scans but not by keyed lookups.
   */
  void grow(ArrayPool pool) {
    int next = nextLog2();
    install(rehashInto(pool.take(next), next), next);
  }

  /** Returns the size (log2) the table grows to: the planned size first, then double. */
  int nextLog2() {
    return slots == null ? plannedLog2 : log2 + 1;
  }

  /**
   * Copies every entry, with both filters, into {@code to}, a zeroed array of {@code 1 <<
   * toLog2} slots, and returns it; the table itself is not changed ({@link #install} makes it
   * the table's array).
   */
  long[] rehashInto(long[] to, int toLog2) {
    if (slots == null) {
      return to;
    }
    long[] old = slots;
    int oldEnd = filterAt;
    int toFilterAt = stride << toLog2;
    int toFilterWords = filterWords(toLog2);
    int mask = (1 << toLog2) - 1;
    for (int off = 0; off < oldEnd; off += stride) {
      long meta = old[off + addrWords];
      if (meta == 0) {
        continue;
      }
      long h =
          addrWords == 1
              ? hash(seed, meta & FlowCache.KEY40_MASK, 0, old[off] & 0xFFFF_FFFFL)
              : hash(seed, meta & FlowCache.KEY40_MASK, old[off + 2], old[off + 3]);
      long sender = senderHashAt(old, off, h);
      to[toFilterAt + ((int) h & (toFilterWords - 1))] |= filterBits(h);
      to[toFilterAt + toFilterWords + ((int) sender & (toFilterWords - 1))] |=
          filterBits(sender);
      int slot = (int) (h >>> (64 - toLog2));
      for (int p = 0; ; p++) {
        int at = slot * stride;
        if (to[at + addrWords] == 0) {
          System.arraycopy(old, off, to, at, stride);
          break;
        }
        slot = (slot + p + 1) & mask;
      }
    }
    return to;
  }

  /** Makes {@code a}, filled by {@link #rehashInto}, this table's array. */
  void install(long[] a, int newLog2) {
    slots = a;
    log2 = newLog2;
    filterAt = stride << newLog2;
  }

  /** Hands the array to the pool and empties the table. */
  void release(ArrayPool pool) {
    if (slots != null) {
      pool.give(slots, log2);
    }
    slots = null;
    log2 = 0;
    filterAt = 0;
    count = 0;
  }

  long bytes() {
    return ArrayPool.bytesOf(slots);
  }
}
