package org.trackpeer.daemon.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.PeerRecord;

/**
 * The recent flows seen on the LAN side, by sender, kept for a bounded time and memory.
 *
 * <h2>Design</h2>
 *
 * <p><b>Buckets.</b> Flows live in a queue of buckets, oldest first; records go into the newest.
 * Each bucket has one open-addressing table for IPv4 and one for IPv6 ({@link FlowTable}),
 * holding one entry per flow: (protocol, source address and port, destination address and
 * port, source MAC, VLAN, capture interface) with the first and last frame time seen while the
 * bucket was current. A long download updates its entry in place, so it costs one entry per
 * bucket it spans. A new bucket is opened when the current one has been open for the bucket
 * span (monotonic clock, default 5 s), when it holds {@code bucketFill} entries (3/4 of its
 * largest table: between 1/128 and 1/64 of the cap, at most 3/4 of 2^17 slots), or when a
 * frame's wall time is more than about six days from the bucket's base (see times). With the
 * defaults a full cache is made of about 160 filled buckets; 30 million entries, of about 300.
 *
 * <p><b>Expiry.</b> A bucket is dropped once the retention (default 600 s, monotonic) has
 * passed since the last frame recorded into it: at {@code now - lastMono >= retention} it is
 * gone, one nanosecond earlier it is kept. So a flow stays findable for at least the
 * retention after its last frame and at most retention plus one bucket span. Dropping a
 * bucket hands its two arrays to a pool ({@link ArrayPool}, at most two spares per size; a
 * returned array is zeroed 16 words per later insert, never all at once) and subtracts its MAC
 * sketch: O(1) in the number of entries. A new bucket's tables start at the
 * size the previous bucket needed and take their arrays from the pool, so under steady traffic
 * the heap stays flat and nothing is allocated or rehashed. {@link #record} checks the oldest
 * bucket on every call, so expiry happens even without {@link #expire}.
 *
 * <p><b>Cap.</b> Before a new entry would make the total exceed {@code maxEntries}, the oldest
 * bucket is evicted whole (counted in {@link CacheStats#evictions()}); the current bucket is
 * never the victim, as it holds fewer than {@code bucketFill <= maxEntries} entries. The wall
 * range of an evicted bucket is remembered in a bounded list ({@link WallRanges}) until its
 * entries would have expired, and queries over it answer "incomplete". The number of buckets
 * is capped as well, so buckets cut short by wall-clock jumps cannot multiply.
 *
 * <p><b>Fairness.</b> Each bucket keeps a count-min sketch (4 rows of 512 counters, {@link
 * MacSketch}) of its entries per source MAC, and the cache keeps their sum. A new flow from a
 * MAC whose estimate has reached {@code maxSharePerMac * maxEntries} is refused and counted;
 * the estimate never undercounts, so the share holds. Frames without a MAC (cooked capture)
 * are not subject to the share, and a share of 1 turns it off. A bucket that refused a flow
 * (by share or by the probe limit) keeps the wall range of the refusals, and queries over it
 * answer "incomplete".
 *
 * <p><b>Times.</b> Record times are wall clock from the frames, kept at microsecond
 * resolution as 40-bit offsets from the bucket's base; the monotonic {@link Ticker} only
 * drives rotation and expiry, so capture-file replay can drive it from file time.
 *
 * <p><b>Entry layout and size.</b> IPv4: 4 longs = 32 bytes {src ip << 32 | dst ip, meta, mac |
 * first-high << 48, first-low << 40 | last}; IPv6: 7 longs = 56 bytes, the first word replaced
 * by source high, source low, destination high, destination low. The meta word holds source
 * port (bits 0-15), destination port (16-31), protocol (32-39), interface index (40-47), VLAN
 * + 1 (48-60), has-MAC (61) and an occupied bit (63); an empty slot has meta 0. Each table
 * array ends with two filters of one byte per slot each ({@link FlowTable}). Tables double at
 * load 3/4, so a filled bucket sits at 3/4: 45.3 bytes per IPv4 and 77.3 per IPv6 entry. A full
 * cache consists of filled buckets and one current bucket, plus 8 KB of sketch per bucket and at
 * most two spare arrays per table size: 30 million IPv4 entries take about 1.4 GB. A
 * bucket closed by time before it filled sits between load 3/8 and 3/4, which matters only
 * when the cache is far from its cap.
 *
 * <p><b>Cost.</b> {@link #record}: one hash and at most {@link FlowTable#MAX_PROBES} probes in the
 * current bucket, no allocation once the pool is warm (a table doubling rehashes its entries,
 * amortised O(1)); when a bucket is 7/8 full and the pool holds no clean array for the next
 * bucket's tables, a capture thread allocates one before it takes the lock, so queries do not
 * wait for the allocation (this spare lives until the bucket fills). {@link #find} with a source
 * port: one hash, then in every bucket one read of a filter (of senders when the source address
 * is known, else of lookup keys; for the older buckets all in one pass over flat copies of
 * where their filters lie, so that the cache misses overlap) and, newest first, where the filter
 * may hold the key, the probe chain of that hash, in one pass that both finds the flows with an
 * entry in the window and merges their overall first and last times ({@link FlowSearch}). The
 * older buckets whose wall range meets the window are read first: only they can hold a flow to
 * find, so when they hold none, the lookup is done after a dozen buckets or so instead of all of
 * them; the others are read only to merge the times of the flows found. With any source port:
 * a scan of the buckets that overlap the window (one masked compare of the meta word per slot,
 * no allocation per slot), then a probe per found flow in the buckets not scanned.
 *
 * <p><b>Threads.</b> One lock guards every change. Capture threads hold it for one record (tens
 * of nanoseconds). A keyed {@link #find} takes no lock: records only ever change the newest
 * bucket, and the others change only when they are dropped. So the lookup reads the newest
 * bucket first and validates what it read against a write sequence that a record makes odd
 * while it writes (reading it again if a record came in between; a table that doubles is
 * filled aside and swapped in), then reads the older buckets from a published list and the
 * incomplete marks, and validates the lot against a structure sequence that is odd while a
 * bucket is dropped (its arrays handed on) or the marks change. So a capture thread stopped
 * while it holds the lock (descheduled, or allocating) delays no keyed query, unless it was
 * stopped in the middle of a change. A lookup that meets a change in progress (a sequence odd)
 * spins for 20 us, then pauses (20 us asked, the timer makes it about 100) before each further
 * try, and takes the lock only after 1 ms of this; one that a change completed in between makes
 * read again tries four times, then takes the lock. The pauses matter on a small machine: the
 * query thread often stops the capture thread itself, by waking up on its core, and a pause
 * lets it finish its change; the lock would instead make the query wait behind a capture
 * thread that takes the lock again for every frame, for as long as the scheduler lets it run
 * (milliseconds). A scan takes the lock once per bucket it scans and once to merge, so a long
 * scan lets writers in between buckets; a bucket recycled in between is
 * recognised by its serial and skipped, and the answer is then marked incomplete if the window
 * was evicted. Frames recorded after a bucket was read may be left out of the answer and its
 * merged times, as if the query had come a little earlier.
 */
public final class FlowCache {
  private static final Logger logger = LoggerFactory.getLogger(FlowCache.class);

  /** The most capture interfaces; the index is stored in 8 bits. */
  public static final int MAX_INTERFACES = 255;

  static final long KEY40_MASK = (1L << 40) - 1;
  private static final long OCCUPIED = 1L << 63;
  private static final long HAS_MAC = 1L << 61;
  private static final int MAX_TABLE_LOG2 = 17;
  private static final int MAX_MARKS = 64;
  // a bucket fills to 3/4 of its table: 16 words per insert zero a returned array of the same
  // size (4 or 7 words per slot) within the first third of the next bucket's inserts
  private static final int CLEAN_WORDS_PER_INSERT = 16;
  // a keyed lookup that a completed change made read again tries this often before it takes
  // the lock
  private static final int LOCK_FREE_TRIES = 4;
  // a keyed lookup that meets a change in progress spins this long, then pauses this long
  // between tries, until its budget (pauseBudgetNanos) is spent
  private static final long SPIN_NANOS = 20_000;
  private static final long PAUSE_NANOS = 20_000;
  // what probeWithoutLock returns when the lookup must be done again: a change completed
  // meanwhile, or a change is in progress (a writer is in the middle of it)
  private static final int AGAIN = -1;
  private static final int CHANGING = -2;
  // ... and reads the newest bucket this often per try while records change it
  private static final int NEWEST_TRIES = 64;
  private static final VarHandle WRITES;
  private static final Comparator<PeerRecord> NEWEST_FIRST =
      Comparator.comparingLong(PeerRecord::lastSeenNanos)
          .reversed()
          .thenComparingLong(PeerRecord::firstSeenNanos);

  static {
    try {
      WRITES = MethodHandles.lookup().findVarHandle(FlowCache.class, "writes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Object lock = new Object();

  /**
   * Odd while a capture thread changes the newest bucket (an entry written or widened, its
   * table grown); read by lock-free lookups to validate what they read of that bucket.
   */
  @SuppressWarnings("unused") // through WRITES
  private long writes;

  /**
   * Odd while a bucket leaves {@link #view} (its arrays then reused) or the incomplete marks
   * change, so a lock-free lookup that overlapped such a change sees that it must try again.
   */
  private volatile long structure;

  /** The buckets, newest first, for lock-free lookups; replaced whenever one opens or drops. */
  private volatile View view = new View(new Bucket[0]);

  /**
   * How long a keyed lookup waits for a change in progress before it takes the lock: 1 ms;
   * tests change it.
   */
  long pauseBudgetNanos = 1_000_000L;

  /** Each thread's search, reused from one lookup to the next. */
  private final ThreadLocal<FlowSearch> searches;

  private final LongAdder lockFreeFinds = new LongAdder();
  private final LongAdder lockedFinds = new LongAdder();
  private final Ticker ticker;
  private final long retentionNanos;
  private final long spanNanos;
  private final long maxEntries;
  private final long maxPerMac;
  private final int bucketFill;
  private final int prefetchAt;
  private final int maxBuckets;
  private final long seed;
  private final long macSeed;

  private final String[] interfaceNames = new String[MAX_INTERFACES];
  private int interfaceCount;

  private final ArrayDeque<Bucket> buckets = new ArrayDeque<>();
  private final ArrayDeque<Bucket> spareBuckets = new ArrayDeque<>();
  private final ArrayPool pool4 = new ArrayPool(4);
  private final ArrayPool pool6 = new ArrayPool(7);
  private final int[] macCounts = new int[MacSketch.SIZE];
  private final WallRanges incompleteMarks = new WallRanges(MAX_MARKS);
  private long nextSerial;

  private long entriesV4;
  private long entriesV6;
  private long evictions;
  private long expired;
  private long rejectedByShare;
  private long rejectedByCollision;

  /** Creates an empty cache that reads monotonic time from {@code ticker}. */
  public FlowCache(CacheConfig config, Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.retentionNanos = config.retentionNanos();
    this.spanNanos = config.bucketSpanNanos();
    this.maxEntries = config.maxEntries();
    this.maxPerMac =
        config.maxSharePerMac() >= 1.0
            ? Long.MAX_VALUE
            : Math.max(1L, (long) Math.floor(config.maxSharePerMac() * maxEntries));
    int log2 = 63 - Long.numberOfLeadingZeros(Math.max(1L, maxEntries / 64));
    log2 = Math.max(FlowTable.MIN_LOG2, Math.min(MAX_TABLE_LOG2, log2));
    this.bucketFill = (int) Math.min((3L << log2) >> 2, maxEntries);
    this.prefetchAt = bucketFill - bucketFill / 8;
    long timeBuckets = (retentionNanos + spanNanos - 1) / spanNanos + 3;
    long fillBuckets = (maxEntries + bucketFill - 1) / bucketFill;
    this.maxBuckets = (int) Math.min(Integer.MAX_VALUE, timeBuckets + fillBuckets);
    SplittableRandom random = new SplittableRandom();
    this.seed = random.nextLong();
    this.macSeed = random.nextLong();
    long tableSeed = seed;
    this.searches = ThreadLocal.withInitial(() -> new FlowSearch(tableSeed));
    logger.debug(
        "flow cache: max {} entries, {} per bucket, at most {} buckets, {} per MAC",
        maxEntries,
        bucketFill,
        maxBuckets,
        maxPerMac);
  }

  /**
   * Returns the index to pass to {@link #record} for frames captured on {@code name}; the same
   * name always gets the same index.
   *
   * @throws IllegalArgumentException if the name is empty, longer than 15 characters or not
   *     ASCII
   * @throws IllegalStateException if {@link #MAX_INTERFACES} names are registered already
   */
  public int registerInterface(String name) {
    if (name.isEmpty()
        || name.length() > PeerRecord.INTERFACE_NAME_MAX
        || !name.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
      throw new IllegalArgumentException("bad interface name: " + name);
    }
    synchronized (lock) {
      for (int i = 0; i < interfaceCount; i++) {
        if (interfaceNames[i].equals(name)) {
          return i;
        }
      }
      if (interfaceCount == MAX_INTERFACES) {
        throw new IllegalStateException("more than " + MAX_INTERFACES + " interfaces");
      }
      interfaceNames[interfaceCount] = name;
      return interfaceCount++;
    }
  }

  /**
   * Records one frame. Frames that are not IPv4 or IPv6 with transport ports are ignored; the
   * caller filters out the router's own frames.
   *
   * @throws IllegalArgumentException if {@code interfaceIndex} was not registered
   */
  public void record(DecodedFrame f, int interfaceIndex) {
    if (!f.hasPorts || (f.ipVersion != 4 && f.ipVersion != 6)) {
      return;
    }
    boolean v6 = f.ipVersion == 6;
    int vlan = f.vlan >= 0 && f.vlan <= 4095 ? f.vlan : DecodedFrame.NO_VLAN;
    long meta =
        OCCUPIED
            | (f.hasSrcMac ? HAS_MAC : 0L)
            | ((long) (vlan + 1) << 48)
            | ((long) (interfaceIndex & 0xFF) << 40)
            | ((long) (f.protocol & 0xFF) << 32)
            | ((long) (f.dstPort & 0xFFFF) << 16)
            | (f.srcPort & 0xFFFF);
    long mac = f.hasSrcMac ? f.srcMac & FlowTable.MAC_MASK : 0L;
    long a0;
    long a1 = 0;
    long a2 = 0;
    long a3 = 0;
    long hash;
    if (v6) {
      a0 = f.srcIpHi;
      a1 = f.srcIpLo;
      a2 = f.dstIpHi;
      a3 = f.dstIpLo;
      hash = FlowTable.hash(seed, meta & KEY40_MASK, a2, a3);
    } else {
      long dst = f.dstIp4 & 0xFFFF_FFFFL;
      a0 = ((long) f.srcIp4 << 32) | dst;
      hash = FlowTable.hash(seed, meta & KEY40_MASK, 0, dst);
    }
    long micros = Math.floorDiv(f.timestampNanos, 1000L);
    ArrayPool pool = v6 ? pool6 : pool4;
    int wanted = pool.wanted();
    if (wanted >= 0) {
      // the next table of this size would allocate under the lock: allocate it now instead
      long[] spare = pool.allocate(wanted);
      synchronized (lock) {
        pool.offer(spare, wanted);
      }
    }
    synchronized (lock) {
      if (interfaceIndex < 0 || interfaceIndex >= interfaceCount) {
        throw new IllegalArgumentException("interface not registered: " + interfaceIndex);
      }
      recordLocked(v6, a0, a1, a2, a3, meta, mac, hash, micros);
    }
  }

  private void recordLocked(
      boolean v6, long a0, long a1, long a2, long a3, long meta, long mac, long hash,
      long micros) {
    long now = ticker.read();
    dropExpired(now);
    long wallNanos = micros * 1000L;
    Bucket b = buckets.peekLast();
    if (b == null || now - b.startMono >= spanNanos || !b.fits(micros)) {
      b = openBucket(now, micros);
    }
    FlowTable t = v6 ? b.v6 : b.v4;
    int pos = FlowTable.NO_ROOM;
    if (t.slots != null) {
      pos = t.find(hash, a0, a1, a2, a3, meta, mac);
      if (pos >= 0) {
        beginWrite();
        try {
          t.touch(pos, micros - b.baseMicros);
          b.noteRecord(now, wallNanos);
        } finally {
          endWrite();
        }
        return;
      }
      if (pos == FlowTable.NO_ROOM) {
        rejectedByCollision++;
        noteRejected(b, now, wallNanos);
        return;
      }
    }
    boolean counted = (meta & HAS_MAC) != 0 && maxPerMac != Long.MAX_VALUE;
    long macHash = 0;
    if (counted) {
      macHash = FlowTable.mix(mac ^ macSeed);
      if (MacSketch.estimate(macCounts, macHash) >= maxPerMac) {
        rejectedByShare++;
        noteRejected(b, now, wallNanos);
        return;
      }
    }
    boolean moved = false;
    if (b.entries() >= bucketFill) {
      b = openBucket(now, micros);
      t = v6 ? b.v6 : b.v4;
      moved = true;
    }
    while (entriesV4 + entriesV6 >= maxEntries && buckets.peekFirst() != b) {
      dropOldest(true);
    }
    if (t.needsGrowth()) {
      // the new array is filled before lookups are told: they keep reading the old one, which
      // nothing changes, and a failed allocation leaves the table as it was
      int log2 = t.nextLog2();
      long[] grown = t.rehashInto((v6 ? pool6 : pool4).take(log2), log2);
      beginWrite();
      try {
        t.install(grown, log2);
      } finally {
        endWrite();
      }
      moved = true;
    }
    if (moved) {
      pos = t.find(hash, a0, a1, a2, a3, meta, mac);
      if (pos == FlowTable.NO_ROOM) {
        rejectedByCollision++;
        noteRejected(b, now, wallNanos);
        return;
      }
    }
    beginWrite();
    try {
      t.insert(-pos - 1, hash, a0, a1, a2, a3, meta, mac, micros - b.baseMicros);
      b.noteRecord(now, wallNanos);
    } finally {
      endWrite();
    }
    if (v6) {
      entriesV6++;
    } else {
      entriesV4++;
    }
    pool4.cleanSome(CLEAN_WORDS_PER_INSERT);
    pool6.cleanSome(CLEAN_WORDS_PER_INSERT);
    if (b.entries() == prefetchAt) {
      // the next bucket's tables start at the sizes these need
      if (b.v4.count > 0) {
        pool4.want(b.v4.log2For());
      }
      if (b.v6.count > 0) {
        pool6.want(b.v6.log2For());
      }
    }
    if (counted) {
      MacSketch.add(b.macCounts, macHash, 1);
      MacSketch.add(macCounts, macHash, 1);
    }
  }

  /** Notes a refused flow in the newest bucket, where lock-free lookups read it. */
  private void noteRejected(Bucket b, long now, long wallNanos) {
    beginWrite();
    try {
      b.noteRejected(now, wallNanos);
    } finally {
      endWrite();
    }
  }

  private Bucket openBucket(long now, long micros) {
    if (buckets.size() >= maxBuckets) {
      dropOldest(true);
    }
    Bucket previous = buckets.peekLast();
    Bucket b = spareBuckets.pollFirst();
    if (b == null) {
      b = new Bucket(seed);
    }
    b.open(++nextSerial, now, micros);
    b.v4.plannedLog2 = previous == null ? FlowTable.MIN_LOG2 : previous.v4.log2For();
    b.v6.plannedLog2 = previous == null ? FlowTable.MIN_LOG2 : previous.v6.log2For();
    buckets.addLast(b);
    publishView();
    return b;
  }

  /** Starts a change of the newest bucket that lock-free lookups must not read half done. */
  private void beginWrite() {
    WRITES.setOpaque(this, (long) WRITES.getOpaque(this) + 1);
    VarHandle.storeStoreFence();
  }

  private void endWrite() {
    WRITES.setRelease(this, (long) WRITES.getOpaque(this) + 1);
  }

  /**
   * Starts a change that lock-free lookups must not see half done: a bucket leaving the view
   * (its arrays then reused) or the incomplete marks changing. Makes {@link #structure} odd;
   * lookups that read it odd, or read another value at their end, try again.
   */
  private void beginStructureChange() {
    structure = structure + 1;
    VarHandle.fullFence();
  }

  private void endStructureChange() {
    structure = structure + 1;
  }

  private void publishView() {
    Bucket[] v = new Bucket[buckets.size()];
    int i = 0;
    for (Iterator<Bucket> it = buckets.descendingIterator(); it.hasNext(); ) {
      v[i++] = it.next();
    }
    view = new View(v);
  }

  /**
   * The buckets, newest first, and what a keyed lookup reads of each older one (every
   * position but 0) to decide whether to follow its probe chain, copied into flat arrays.
   * The older buckets no longer change, so the copies hold until the bucket is dropped, which
   * the structure sequence shows. A lookup then reads all the filters in one tight loop whose
   * reads depend on nothing but these arrays, so their cache misses overlap, instead of going
   * from bucket to table to array to filter word, one miss after another, for every bucket.
   */
  private static final class View {
    final Bucket[] buckets;
    final long[] lastMono;

    /** Wall range of each position's records: no entry's times lie outside it. */
    final long[] minWall;

    final long[] maxWall;
    final long[] rejectedMin;
    final long[] rejectedMax;

    /** Per address family, IPv4 then IPv6: each position's table array (null if none). */
    final long[][][] slots = new long[2][][];

    /** Per address family: where each position's filters start, and their words each. */
    final int[][] filterAt = new int[2][];
    final int[][] filterWords = new int[2][];

    View(Bucket[] buckets) {
      int n = buckets.length;
      this.buckets = buckets;
      lastMono = new long[n];
      minWall = new long[n];
      maxWall = new long[n];
      rejectedMin = new long[n];
      rejectedMax = new long[n];
      for (int f = 0; f < 2; f++) {
        slots[f] = new long[n][];
        filterAt[f] = new int[n];
        filterWords[f] = new int[n];
      }
      for (int p = 1; p < n; p++) {
        Bucket b = buckets[p];
        lastMono[p] = b.lastMono;
        minWall[p] = b.minWallNanos;
        maxWall[p] = b.maxWallNanos;
        rejectedMin[p] = b.rejectedMinWallNanos;
        rejectedMax[p] = b.rejectedMaxWallNanos;
        for (int f = 0; f < 2; f++) {
          FlowTable t = f == 0 ? b.v4 : b.v6;
          if (t.slots != null) {
            slots[f][p] = t.slots;
            filterAt[f][p] = t.slotWords();
            filterWords[f][p] = FlowTable.filterWords(t.log2);
          }
        }
      }
    }
  }

  private void dropExpired(long now) {
    Bucket oldest = buckets.peekFirst();
    if (oldest != null && now - oldest.lastMono >= retentionNanos) {
      do {
        dropOldest(false);
        oldest = buckets.peekFirst();
      } while (oldest != null && now - oldest.lastMono >= retentionNanos);
      pruneMarks(now);
    }
  }

  private void pruneMarks(long now) {
    if (incompleteMarks.hasStale(now)) {
      beginStructureChange();
      try {
        incompleteMarks.prune(now);
      } finally {
        endStructureChange();
      }
    }
  }

  private void dropOldest(boolean evict) {
    beginStructureChange();
    try {
      dropOldestChanging(evict);
    } finally {
      endStructureChange();
    }
  }

  private void dropOldestChanging(boolean evict) {
    Bucket b = buckets.pollFirst();
    publishView();
    int n = b.entries();
    entriesV4 -= b.v4.count;
    entriesV6 -= b.v6.count;
    if (evict) {
      evictions += n;
      long from = Math.min(b.minWallNanos, b.rejectedMinWallNanos);
      long to = Math.max(b.maxWallNanos, b.rejectedMaxWallNanos);
      if (from <= to) {
        incompleteMarks.add(from, to, b.lastMono + retentionNanos + spanNanos);
      }
    } else {
      expired += n;
    }
    b.release(pool4, pool6, macCounts);
    b.serial = 0;
    spareBuckets.addLast(b);
  }

  /** Drops the buckets whose retention has run out by the ticker's current reading. */
  public void expire() {
    synchronized (lock) {
      long now = ticker.read();
      dropExpired(now);
      pruneMarks(now);
    }
  }

  /**
   * Marks the wall window [{@code fromWallNanos}, {@code toWallNanos}] as having lost frames
   * (capture drops, a gap); queries over it answer "incomplete" until its flows would have
   * expired.
   */
  public void markIncomplete(long fromWallNanos, long toWallNanos) {
    if (fromWallNanos > toWallNanos) {
      throw new IllegalArgumentException("empty window: " + fromWallNanos + " > " + toWallNanos);
    }
    synchronized (lock) {
      long now = ticker.read();
      beginStructureChange();
      try {
        incompleteMarks.add(fromWallNanos, toWallNanos, now + retentionNanos + spanNanos);
      } finally {
        endStructureChange();
      }
    }
  }

  /**
   * Returns the flows matching {@code q} that were seen within its window, one record per
   * (flow, MAC, VLAN, interface) with the first and last time seen over the whole retention.
   */
  public Lookup find(FlowQuery q) {
    boolean v6 = !(q.dstAddress() instanceof Inet4Address);
    long[] dst = words(q.dstAddress());
    long[] src = q.srcAddress() == null ? null : words(q.srcAddress());
    FlowSearch search = null;
    boolean incomplete = false;
    if (!q.anySourcePort()) {
      int again = 0;
      long waitingSince = 0;
      while (search == null) {
        FlowSearch s = search(q, v6, dst, src);
        int r = probeWithoutLock(s, q, v6);
        if (r >= 0) {
          search = s;
          incomplete = r == 1;
          lockFreeFinds.increment();
        } else if (r == CHANGING) {
          // see "Threads" above: wait for the writer rather than for the lock
          long t = System.nanoTime();
          if (waitingSince == 0) {
            waitingSince = t;
          } else if (t - waitingSince >= pauseBudgetNanos) {
            break;
          }
          if (t - waitingSince < SPIN_NANOS) {
            Thread.onSpinWait();
          } else {
            LockSupport.parkNanos(PAUSE_NANOS);
          }
        } else if (++again == LOCK_FREE_TRIES) {
          break;
        }
      }
    }
    if (search == null) {
      search = search(q, v6, dst, src);
      incomplete = q.anySourcePort() ? scanBuckets(search, q, v6) : probeBuckets(search, q, v6);
      lockedFinds.increment();
    }
    List<PeerRecord> out = new ArrayList<>(search.size());
    // the interface names of the entries found were registered, under the lock, before the
    // entries were recorded, and a lookup sees a record only after it: reading them needs no
    // lock
    for (int i = 0; i < search.size(); i++) {
      out.add(toRecord(search, i, v6));
    }
    out.sort(NEWEST_FIRST);
    return new Lookup(out, search.truncated(), incomplete);
  }

  /** Returns this thread's search, started for {@code q}. */
  private FlowSearch search(FlowQuery q, boolean v6, long[] dst, long[] src) {
    FlowSearch s = searches.get();
    s.start(q, v6, dst, src);
    return s;
  }

  /**
   * A keyed lookup without the lock, as {@link #probeBuckets} does it, into {@code search}, which
   * must be new. Buckets other than the newest do not change until they are dropped, which
   * {@link #structure} shows; the newest is read first, and again until no record changed it
   * meanwhile ({@link #writes}). Returns 1 when the window is incomplete, 0 when it is complete,
   * {@link #CHANGING} when a change was in progress, {@link #AGAIN} when one completed meanwhile
   * (in both cases the lookup must be done again).
   */
  private int probeWithoutLock(FlowSearch s, FlowQuery q, boolean v6) {
    long stamp = structure;
    if ((stamp & 1) != 0) {
      // a bucket is being dropped or the marks change
      return CHANGING;
    }
    View w = view;
    Bucket[] v = w.buckets;
    long now = ticker.read();
    long hash = s.queryHash();
    long from = q.fromWallNanos();
    long to = q.toWallNanos();
    try {
      boolean incomplete = false;
      if (v.length > 0 && live(v[0], now)) {
        int tries = 0;
        int newest;
        while ((newest = readNewest(s, v[0], v6, hash, from, to)) < 0) {
          if (++tries == NEWEST_TRIES) {
            return newest;
          }
          s.clear();
        }
        incomplete = newest == 1;
      }
      // the older buckets whose wall range meets the window, where a flow can be found; the
      // others hold only more entries of the flows found, so they are read only when there is one
      boolean[] through = s.flags(v.length);
      if (passFilters(w, v6, s, hash, now, from, to, true, through)) {
        followThrough(w, v6, s, hash, through);
      }
      if (s.size() > 0 && passFilters(w, v6, s, hash, now, from, to, false, through)) {
        followThrough(w, v6, s, hash, through);
      }
      if (v.length > 0 && live(v[0], now) && s.passedOver(0)) {
        long[] times = s.times();
        int tries = 0;
        while (!mergeNewest(s, v[0], v6)) {
          if (++tries == NEWEST_TRIES) {
            return AGAIN;
          }
          s.restoreTimes(times);
        }
      }
      for (int p = 1; p < v.length; p++) {
        if (s.passedOver(p) && now - w.lastMono[p] < retentionNanos) {
          Bucket b = v[p];
          s.mergeMissed(b, v6 ? b.v6 : b.v4, p);
        }
      }
      incomplete |= incompleteMarks.overlaps(from, to, now);
      for (int p = 1; p < v.length; p++) {
        incomplete |= now - w.lastMono[p] < retentionNanos
            && w.rejectedMin[p] <= to && w.rejectedMax[p] >= from;
      }
      VarHandle.acquireFence();
      if (structure != stamp) {
        return AGAIN;
      }
      return incomplete ? 1 : 0;
    } catch (RuntimeException readWhileRecycled) {
      // a bucket changed under the lookup (its table replaced or its arrays reused); the
      // structure stamp shows it and the lookup is done again
      return AGAIN;
    }
  }

  /**
   * Reads the filters of the older buckets (every position but 0) of {@code w}, in one pass over
   * the view's arrays (see {@link View}), and sets {@code through[p]} for each live one whose
   * filter may hold the search's hash and whose wall range meets the window [{@code from},
   * {@code to}] ({@code meeting} true) or lies outside it ({@code meeting} false). Returns true
   * when one was let through.
   */
  private boolean passFilters(View w, boolean v6, FlowSearch s, long hash, long now, long from,
      long to, boolean meeting, boolean[] through) {
    int f = v6 ? 1 : 0;
    long[][] slots = w.slots[f];
    int[] filterAt = w.filterAt[f];
    int[] filterWords = w.filterWords[f];
    long filterHash = s.filterHash(hash);
    long bits = FlowTable.filterBits(filterHash);
    boolean bySender = s.bySender();
    boolean any = false;
    for (int p = 1; p < slots.length; p++) {
      long[] a = slots[p];
      int words = filterWords[p];
      boolean pass = a != null
          && now - w.lastMono[p] < retentionNanos
          && (w.minWall[p] <= to && w.maxWall[p] >= from) == meeting
          && (a[filterAt[p] + (bySender ? words : 0) + ((int) filterHash & (words - 1))]
              & bits) == bits;
      through[p] = pass;
      any |= pass;
    }
    return any;
  }

  /** Follows the probe chain of {@code hash} in the older buckets {@code through} marks. */
  private static void followThrough(
      View w, boolean v6, FlowSearch s, long hash, boolean[] through) {
    Bucket[] v = w.buckets;
    for (int p = 1; p < v.length; p++) {
      if (through[p]) {
        Bucket b = v[p];
        s.follow(b, v6 ? b.v6 : b.v4, hash, p);
      }
    }
  }

  private boolean live(Bucket b, long now) {
    return now - b.lastMono < retentionNanos;
  }

  /**
   * Probes the newest bucket. Returns {@link #CHANGING} when a record is being written, {@link
   * #AGAIN} when one changed it meanwhile, else 1 when it refused a flow in the window [{@code
   * from}, {@code to}] and 0 when it did not.
   */
  private int readNewest(FlowSearch s, Bucket b, boolean v6, long hash, long from, long to) {
    long w = (long) WRITES.getAcquire(this);
    if ((w & 1) != 0) {
      Thread.onSpinWait();
      return CHANGING;
    }
    FlowTable t = v6 ? b.v6 : b.v4;
    if (t.slots != null) {
      s.probe(b, t, hash, 0);
    }
    boolean rejected = b.rejectedIn(from, to);
    VarHandle.acquireFence();
    if ((long) WRITES.getOpaque(this) != w) {
      return AGAIN;
    }
    return rejected ? 1 : 0;
  }

  /** Merges the newest bucket's passed-over entries; false when a record changed it meanwhile. */
  private boolean mergeNewest(FlowSearch s, Bucket b, boolean v6) {
    long w = (long) WRITES.getAcquire(this);
    if ((w & 1) != 0) {
      Thread.onSpinWait();
      return false;
    }
    s.mergeMissed(b, v6 ? b.v6 : b.v4, 0);
    VarHandle.acquireFence();
    return (long) WRITES.getOpaque(this) == w;
  }

  /** Keyed lookups answered without the lock and with it (scans always take it). */
  long[] findCounts() {
    return new long[] {lockFreeFinds.sum(), lockedFinds.sum()};
  }

  /**
   * A keyed lookup: under one lock, follows the query's probe chain in every bucket, newest
   * first, then merges the entries passed over. Returns whether the window is incomplete.
   */
  private boolean probeBuckets(FlowSearch search, FlowQuery q, boolean v6) {
    long hash = search.queryHash();
    synchronized (lock) {
      dropExpired(ticker.read());
      int position = 0;
      for (Iterator<Bucket> it = buckets.descendingIterator(); it.hasNext(); position++) {
        Bucket b = it.next();
        FlowTable t = v6 ? b.v6 : b.v4;
        if (t.slots != null) {
          search.probe(b, t, hash, position);
        }
      }
      position = 0;
      for (Iterator<Bucket> it = buckets.descendingIterator(); it.hasNext(); position++) {
        Bucket b = it.next();
        search.mergeMissed(b, v6 ? b.v6 : b.v4, position);
      }
      return incompleteLocked(q);
    }
  }

  /**
   * A lookup for any source port: scans the buckets that overlap the window, newest first,
   * taking the lock once per bucket so that writers get in between (a bucket recycled in
   * between is recognised by its serial and skipped); then, under one lock, merges the entries
   * of the found flows in the buckets not scanned and those passed over. Returns whether the
   * window is incomplete.
   */
  private boolean scanBuckets(FlowSearch search, FlowQuery q, boolean v6) {
    long from = q.fromWallNanos();
    long to = q.toWallNanos();
    Bucket[] snapshot;
    long[] serials;
    int n = 0;
    synchronized (lock) {
      dropExpired(ticker.read());
      snapshot = new Bucket[buckets.size()];
      serials = new long[snapshot.length];
      for (Iterator<Bucket> it = buckets.descendingIterator(); it.hasNext(); ) {
        Bucket b = it.next();
        if (b.hasEntriesIn(from, to)) {
          snapshot[n] = b;
          serials[n++] = b.serial;
        }
      }
    }
    boolean[] scanned = new boolean[n];
    for (int i = 0; i < n; i++) {
      Bucket b = snapshot[i];
      synchronized (lock) {
        if (b.serial != serials[i]) {
          continue;
        }
        FlowTable t = v6 ? b.v6 : b.v4;
        if (t.slots != null) {
          search.scan(b, t, i);
        }
        scanned[i] = true;
      }
    }
    synchronized (lock) {
      // serials grow towards the newest bucket: walk both lists newest first
      int i = 0;
      for (Iterator<Bucket> it = buckets.descendingIterator(); it.hasNext(); ) {
        Bucket b = it.next();
        while (i < n && serials[i] > b.serial) {
          i++;
        }
        FlowTable t = v6 ? b.v6 : b.v4;
        if (i < n && serials[i] == b.serial && scanned[i]) {
          search.mergeMissed(b, t, i);
        } else {
          search.mergeAll(b, t);
        }
      }
      return incompleteLocked(q);
    }
  }

  private boolean incompleteLocked(FlowQuery q) {
    long from = q.fromWallNanos();
    long to = q.toWallNanos();
    boolean incomplete = incompleteMarks.overlaps(from, to, ticker.read());
    for (Bucket b : buckets) {
      incomplete |= b.rejectedIn(from, to);
    }
    return incomplete;
  }

  private PeerRecord toRecord(FlowSearch found, int i, boolean v6) {
    long meta = found.key(i, v6 ? 4 : 1);
    long macWord = found.key(i, v6 ? 5 : 2);
    MacAddress mac = (meta & HAS_MAC) != 0 ? MacAddress.of(macWord) : null;
    InetAddress inside;
    InetAddress destination;
    if (v6) {
      inside = address6(found.key(i, 0), found.key(i, 1));
      destination = address6(found.key(i, 2), found.key(i, 3));
    } else {
      long a0 = found.key(i, 0);
      inside = address4((int) (a0 >>> 32));
      destination = address4((int) a0);
    }
    int vlan = (int) ((meta >>> 48) & 0x1FFF) - 1;
    String name = interfaceNames[(int) ((meta >>> 40) & 0xFF)];
    return new PeerRecord(
        mac,
        inside,
        (int) (meta & 0xFFFF),
        destination,
        (int) ((meta >>> 16) & 0xFFFF),
        vlan,
        name,
        found.first(i),
        found.last(i));
  }

  /** Returns counters and sizes as of now. */
  public CacheStats stats() {
    synchronized (lock) {
      long bytes = pool4.spareBytes() + pool6.spareBytes() + 16L + 4L * macCounts.length;
      for (Bucket b : buckets) {
        bytes += b.bytes();
      }
      for (Bucket b : spareBuckets) {
        bytes += b.bytes();
      }
      return new CacheStats(
          entriesV4,
          entriesV6,
          buckets.size(),
          evictions,
          expired,
          rejectedByShare,
          rejectedByCollision,
          bytes);
    }
  }

  /** Returns the earliest record time held, nanoseconds since the Epoch, or 0 when empty. */
  public long oldestWallNanos() {
    synchronized (lock) {
      long min = Long.MAX_VALUE;
      for (Bucket b : buckets) {
        min = Math.min(min, b.minWallNanos);
      }
      return min == Long.MAX_VALUE ? 0 : min;
    }
  }

  /** Returns the latest record time held, nanoseconds since the Epoch, or 0 when empty. */
  public long newestWallNanos() {
    synchronized (lock) {
      long max = Long.MIN_VALUE;
      for (Bucket b : buckets) {
        max = Math.max(max, b.maxWallNanos);
      }
      return max == Long.MIN_VALUE ? 0 : max;
    }
  }

  /** Returns the largest number of entries one bucket holds before the next is opened. */
  int bucketFill() {
    return bucketFill;
  }

  /** IPv4: {address}; IPv6: {high, low}. */
  private static long[] words(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 4) {
      return new long[] {bytesToLong(b, 0, 4)};
    }
    return new long[] {bytesToLong(b, 0, 8), bytesToLong(b, 8, 8)};
  }

  private static long bytesToLong(byte[] b, int off, int len) {
    long v = 0;
    for (int i = 0; i < len; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  private static InetAddress address4(int ip) {
    byte[] b = {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip};
    return byAddress(b);
  }

  private static InetAddress address6(long hi, long lo) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return byAddress(b);
  }

  private static InetAddress byAddress(byte[] b) {
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("address of length " + b.length, e);
    }
  }
}
