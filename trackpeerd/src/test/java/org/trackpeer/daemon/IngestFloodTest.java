package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.CacheStats;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.capture.DecodeOutcome;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.daemon.capture.FrameDecoder;
import org.trackpeer.daemon.query.QueryHandler;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * Floods the ingest path (frame decoder, {@link Ingest}, flow cache) with SYNs from ever new
 * source MACs and ports, and checks that the cache keeps to its cap and its heap bound, counts
 * every eviction, and answers evicted flows "incomplete" rather than "not found".
 *
 * <p>All frames are built in one buffer whose MAC and port bytes are rewritten in place; time
 * is moved by hand, one microsecond per frame.
 */
@Tag("flood")
final class IngestFloodTest {
  private static final long CAP = 200_000;
  private static final long T0_NANOS = 1_700_000_000L * 1_000_000_000L;
  private static final long STEP_NANOS = 1_000;
  /** Heap of one IPv4 entry in a filled bucket (32 bytes at load 3/4), rounded up. */
  private static final long BYTES_PER_ENTRY = 43;
  /** Sketches of the most buckets a cache of {@link #CAP} entries can hold, and slack. */
  private static final long FIXED_BYTES = 8L << 20;

  private static final String INSIDE = "192.0.2.11";
  private static final String SERVER = "203.0.113.10";

  /** A clock moved by the test: monotonic and wall time advance together. */
  private static final class HandClock implements AgentClock {
    long monoNanos = 1_000_000_000L;
    long wallNanos = T0_NANOS;

    @Override
    public long read() {
      return monoNanos;
    }

    @Override
    public long wallNanos() {
      return wallNanos;
    }

    void step() {
      monoNanos += STEP_NANOS;
      wallNanos += STEP_NANOS;
    }
  }

  /** Ethernet, IPv4 192.0.2.11 to 203.0.113.10, TCP SYN to port 443. */
  private static byte[] synFrame() {
    byte[] b = new byte[54];
    int[] head = {
      0x02, 0x00, 0x5e, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
      0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
      192, 0, 2, 11, 203, 0, 113, 10,
      0x00, 0x00, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0
    };
    for (int i = 0; i < head.length; i++) {
      b[i] = (byte) head[i];
    }
    return b;
  }

  /** A bijection of the frame number onto 48 bits: every frame gets its own MAC. */
  private static long macOf(long i) {
    return ((i * 0x9E37_79B9_7F4BL) ^ 0x0A5A_5A5A_5A5AL) & 0xFFFF_FFFF_FFFFL;
  }

  private static int portOf(long i) {
    return (int) ((i * 0x6F4F_2A35L) >>> 7) & 0xFFFF;
  }

  private static void setMac(byte[] b, long mac) {
    for (int k = 0; k < 6; k++) {
      b[6 + k] = (byte) (mac >>> (40 - 8 * k));
    }
  }

  private static void setPort(byte[] b, int port) {
    b[34] = (byte) (port >>> 8);
    b[35] = (byte) port;
  }

  private static long heapAfterGc(MemoryMXBean memory) {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static QueryReply ask(QueryHandler handler, String inside, int port, long wallNanos) {
    QueryRequest q =
        new QueryRequest(
            7,
            QueryRequest.TCP,
            new Endpoint(Endpoint.parseAddress(inside), port),
            new Endpoint(Endpoint.parseAddress(SERVER), 443),
            wallNanos / 1_000_000_000L,
            1,
            0);
    return handler.answer(q, Protocol.MAX_DATAGRAM_BYTES);
  }

  private static QueryHandler handler(FlowCache cache, HandClock clock) {
    return new QueryHandler(
        cache,
        clock,
        (InetAddress a) -> false,
        () -> true,
        new QueryHandler.Settings(CacheConfig.DEFAULT_RETENTION_NANOS, 5, false, 256));
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void ingest_synFloodOfTenMillionNewFlows_capHeapAndEvictionsHold() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long baseline = heapAfterGc(memory);
    HandClock clock = new HandClock();
    FlowCache cache = new FlowCache(CacheConfig.defaults().withMaxEntries(CAP), clock);
    int lan = cache.registerInterface("lan0");
    Ingest ingest = new Ingest(cache, new LocalAddresses(List.of(), List.of()), clock, null);
    FrameDecoder decoder = new FrameDecoder(FrameDecoder.DLT_EN10MB);
    DecodedFrame frame = new DecodedFrame();
    byte[] buf = synFrame();

    long frames = 10_000_000;
    long maxLive = 0;
    for (long i = 0; i < frames; i++) {
      setMac(buf, macOf(i));
      setPort(buf, portOf(i));
      clock.step();
      DecodeOutcome o = decoder.decode(buf, 0, buf.length, buf.length, clock.wallNanos, frame);
      if (o != DecodeOutcome.FLOW) {
        throw new AssertionError("frame " + i + " decoded as " + o);
      }
      ingest.accept(frame, buf, lan);
      if ((i & 0x3FF) == 0) {
        maxLive = Math.max(maxLive, cache.stats().entries());
      }
    }
    CacheStats s = cache.stats();
    maxLive = Math.max(maxLive, s.entries());
    long heap = heapAfterGc(memory) - baseline;

    assertEquals(frames, ingest.recorded() + ingest.ownFrames(), "frames through ingest");
    assertTrue(maxLive <= CAP, "live entries " + maxLive + " above the cap " + CAP);
    assertTrue(s.entries() > CAP / 2, "cache nearly empty after the flood: " + s.entries());
    // every frame was a new flow: it is live, or was evicted, expired or refused
    assertEquals(
        ingest.recorded() - s.entries() - s.expired() - s.rejectedByShare()
            - s.rejectedByCollision(),
        s.evictions(),
        "evictions " + s);
    long bound = 2 * CAP * BYTES_PER_ENTRY + FIXED_BYTES;
    assertTrue(heap < bound, "heap grew by " + heap + " bytes, bound " + bound + "; " + s);
    assertTrue(s.approxBytes() < bound, "cache reports " + s.approxBytes() + " bytes");

    // the first flow was evicted long ago: incomplete, never not found
    QueryReply first = ask(handler(cache, clock), INSIDE, portOf(0), T0_NANOS + STEP_NANOS);
    assertEquals(ResultCode.INCOMPLETE, first.result(), "evicted flow");
    // the last flow is held; its source port was reused by other MACs within the second, so
    // the answer may list several senders, but this one among them
    QueryReply last = ask(handler(cache, clock), INSIDE, portOf(frames - 1), clock.wallNanos);
    assertTrue(last.result() == ResultCode.FOUND || last.result() == ResultCode.AMBIGUOUS,
        "newest flow: " + last.result());
    assertTrue(
        last.records().stream().anyMatch(r -> r.mac().toLong() == macOf(frames - 1))
            || last.more(),
        "newest flow's MAC not among " + last.records());
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void ingest_oneMacFloodingBesideThousandHosts_hostsStillFound() {
    HandClock clock = new HandClock();
    FlowCache cache = new FlowCache(CacheConfig.defaults().withMaxEntries(CAP), clock);
    int lan = cache.registerInterface("lan0");
    Ingest ingest = new Ingest(cache, new LocalAddresses(List.of(), List.of()), clock, null);
    FrameDecoder decoder = new FrameDecoder(FrameDecoder.DLT_EN10MB);
    DecodedFrame frame = new DecodedFrame();
    byte[] buf = synFrame();

    int hosts = 1000;
    long hostsWallNanos = clock.wallNanos;
    for (int h = 0; h < hosts; h++) {
      setMac(buf, macOf(h));
      setPort(buf, 10_000 + h);
      clock.step();
      decoder.decode(buf, 0, buf.length, buf.length, clock.wallNanos, frame);
      ingest.accept(frame, buf, lan);
    }
    long flooder = 0x02_00_5e_66_66_66L;
    setMac(buf, flooder);
    long floodFrames = 2_000_000;
    for (long i = 0; i < floodFrames; i++) {
      // one MAC, ever new destination ports: every frame a new flow
      setPort(buf, (int) (i & 0xFFFF));
      buf[36] = (byte) (i >>> 24);
      buf[37] = (byte) (i >>> 16);
      clock.step();
      decoder.decode(buf, 0, buf.length, buf.length, clock.wallNanos, frame);
      ingest.accept(frame, buf, lan);
    }
    CacheStats s = cache.stats();
    assertTrue(s.entries() <= CAP, "live entries above the cap: " + s);
    assertTrue(s.rejectedByShare() > 0, "the flooding MAC was never refused: " + s);
    assertEquals(0, s.evictions(), "the flood evicted other hosts' flows: " + s);

    QueryHandler handler = handler(cache, clock);
    for (int h = 0; h < hosts; h++) {
      QueryReply r = ask(handler, INSIDE, 10_000 + h, hostsWallNanos);
      assertEquals(ResultCode.FOUND, r.result(), "host " + h);
      assertEquals(macOf(h), r.records().get(0).mac().toLong(), "host " + h);
    }
  }
}
