package org.trackpeer.daemon.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.daemon.cache.Frames.T0;
import static org.trackpeer.daemon.cache.Frames.TCP;
import static org.trackpeer.daemon.cache.Frames.addr;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.proto.PeerRecord;

final class FlowCacheConcurrencyTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;

  @Test
  void recordAndFind_concurrently_readerSeesConsistentAnswers() throws Exception {
    ManualTicker ticker = new ManualTicker(0);
    FlowCache cache =
        new FlowCache(new CacheConfig(600 * SECOND, 5 * SECOND, 1_000_000, 1.0), ticker);
    int eth1 = cache.registerInterface("eth1");
    cache.record(Frames.v4(0x020000000001L, "192.0.2.1", 1111, "203.0.113.1", 443, T0), eth1);
    int writes = 200_000;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger reads = new AtomicInteger();
    // the writer starts once the reader has answered once, so the two overlap however the
    // threads are scheduled
    CountDownLatch readerRunning = new CountDownLatch(1);

    Thread writer =
        new Thread(
            () -> {
              try {
                readerRunning.await(60, TimeUnit.SECONDS);
                DecodedFrame f =
                    Frames.v4(0x020000000002L, "192.0.2.2", 1, "203.0.113.2", 80, T0);
                for (int i = 0; i < writes; i++) {
                  f.srcPort = i & 0xFFFF;
                  f.dstPort = 80 + (i >>> 16);
                  f.timestampNanos = T0 + i * 10_000L;
                  if (i % 1000 == 0) {
                    ticker.advance(10 * MILLI);
                  }
                  cache.record(f, eth1);
                }
              } catch (Throwable t) {
                failure.compareAndSet(null, t);
              } finally {
                done.set(true);
              }
            });
    Thread reader =
        new Thread(
            () -> {
              try {
                FlowQuery known =
                    new FlowQuery(TCP, null, 1111, addr("203.0.113.1"), 443, T0, T0, 10);
                FlowQuery wildcard =
                    new FlowQuery(
                        TCP, null, FlowQuery.ANY_PORT, addr("203.0.113.2"), 80, T0,
                        T0 + 10 * SECOND, 50);
                for (int i = 0; i < 5_000 && !done.get(); i++) {
                  Lookup hit = cache.find(known);
                  assertEquals(1, hit.matches().size());
                  PeerRecord r = hit.matches().get(0);
                  assertEquals(T0, r.firstSeenNanos());
                  assertEquals(addr("192.0.2.1"), r.insideAddress());
                  Lookup many = cache.find(wildcard);
                  assertTrue(many.matches().size() <= 50);
                  for (PeerRecord m : many.matches()) {
                    assertTrue(m.firstSeenNanos() <= m.lastSeenNanos());
                    assertEquals(80, m.destinationPort());
                  }
                  CacheStats stats = cache.stats();
                  assertTrue(stats.entries() >= 1 && stats.entries() <= writes + 1);
                  reads.incrementAndGet();
                  readerRunning.countDown();
                }
              } catch (Throwable t) {
                failure.compareAndSet(null, t);
              } finally {
                readerRunning.countDown();
              }
            });
    writer.start();
    reader.start();
    writer.join(TimeUnit.SECONDS.toMillis(60));
    reader.join(TimeUnit.SECONDS.toMillis(60));

    assertFalse(writer.isAlive());
    assertFalse(reader.isAlive());
    assertNull(failure.get(), () -> "failure: " + failure.get());
    assertTrue(reads.get() > 0);
    assertEquals(writes + 1, cache.stats().entries());
  }
}
