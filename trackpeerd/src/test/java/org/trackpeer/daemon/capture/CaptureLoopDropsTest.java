package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.AgentClock;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.query.QueryHandler;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * Kernel drops reported by the capture handle: the loop counts them and marks the second in
 * which they rose as a gap, so a query about that time answers incomplete, not not-found.
 */
final class CaptureLoopDropsTest {
  private static final long S = 1_000_000_000L;
  private static final InetAddress NAT = Endpoint.parseAddress("203.0.113.1");

  /** A live handle that never sees a frame and reports the drops the test sets. */
  private static final class DroppingHandle extends PcapHandle {
    final AtomicLong drops = new AtomicLong();

    DroppingHandle() {
      super("fake", null, false, 1500);
    }

    @Override
    int next() {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return EOF;
      }
      return TIMEOUT;
    }

    @Override
    long drops() {
      return drops.get();
    }

    @Override
    int linkType() {
      return 1;
    }

    @Override
    String lastError() {
      return "";
    }
  }

  @Test
  void run_dropsRise_countedAndTheirWindowAnswersIncomplete() throws Exception {
    AgentClock clock = AgentClock.system();
    FlowCache cache = new FlowCache(CacheConfig.defaults(), clock);
    int lan = cache.registerInterface("lo");
    DroppingHandle handle = new DroppingHandle();
    CaptureLoop loop = CaptureLoop.live("lo", lan, new CaptureLoop.Settings(1500, 1 << 20, 10,
        null, 0, false), new CaptureLoop.FrameConsumer() {
          @Override
          public void accept(DecodedFrame frame, byte[] bytes, int interfaceIndex) {
            cache.record(frame, interfaceIndex);
          }

          @Override
          public void replayed(long timestampNanos) {}

          @Override
          public void gap(long fromWallNanos, long toWallNanos) {
            cache.markIncomplete(fromWallNanos, toWallNanos);
          }
        }, (iface, s) -> handle);
    QueryHandler handler = new QueryHandler(cache, clock, NAT::equals, loop::capturing,
        new QueryHandler.Settings(600 * S, 2, false, 16));
    long startSeconds = clock.wallNanos() / S;
    Thread t = new Thread(loop, "capture-test");
    t.start();
    try {
      awaitTrue(loop::capturing, "capturing");
      // past the first drop poll, which saw none
      Thread.sleep(1_300);
      assertEquals(0, loop.kernelDrops());
      assertEquals(ResultCode.NOT_FOUND, ask(handler, startSeconds));

      long dropSeconds = clock.wallNanos() / S;
      handle.drops.set(25);
      awaitTrue(() -> loop.kernelDrops() > 0, "drops counted");
      assertEquals(25, loop.kernelDrops());
      assertEquals(ResultCode.INCOMPLETE, ask(handler, dropSeconds));
      assertEquals(ResultCode.NOT_FOUND, ask(handler, startSeconds - 20),
          "only the window of the drops has a hole");

      handle.drops.set(40);
      awaitTrue(() -> loop.kernelDrops() > 25, "more drops counted");
      assertEquals(40, loop.kernelDrops(), "the rise, not the total again");
    } finally {
      loop.stop();
      t.join(5_000);
    }
  }

  private static ResultCode ask(QueryHandler handler, long timeSeconds) {
    QueryRequest q = new QueryRequest(1, QueryRequest.TCP, new Endpoint(NAT, 49200),
        Endpoint.parse("203.0.113.10:23", true), timeSeconds, 0, 0);
    return handler.answer(q, 512).result();
  }

  private static void awaitTrue(BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + 5 * S;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
