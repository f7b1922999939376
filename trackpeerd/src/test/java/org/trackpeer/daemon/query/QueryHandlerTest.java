package org.trackpeer.daemon.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.trackpeer.daemon.cache.Frames.T0;
import static org.trackpeer.daemon.cache.Frames.addr;
import static org.trackpeer.daemon.cache.Frames.v4;

import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.AgentClock;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.daemon.nat.Translation;
import org.trackpeer.daemon.nat.TranslationLog;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

final class QueryHandlerTest {
  private static final long S = 1_000_000_000L;
  private static final long MAC_A = 0x02005e000101L;
  private static final long MAC_B = 0x02005e000102L;
  private static final String NAT = "203.0.113.1";
  private static final int BUDGET = 512;

  private final long[] now = {T0};
  private final boolean[] ready = {true};
  private FlowCache cache;
  private int lan;

  private final AgentClock clock =
      new AgentClock() {
        @Override
        public long read() {
          return now[0];
        }

        @Override
        public long wallNanos() {
          return now[0];
        }
      };

  @BeforeEach
  void setUp() {
    cache = new FlowCache(CacheConfig.defaults(), clock);
    lan = cache.registerInterface("lan0");
  }

  private QueryHandler handler(boolean wildcard) {
    Set<InetAddress> nat = Set.of(addr(NAT));
    return new QueryHandler(cache, clock, nat::contains, () -> ready[0],
        new QueryHandler.Settings(600 * S, 5, wildcard, 64));
  }

  private QueryHandler handler(TranslationLog log) {
    Set<InetAddress> nat = Set.of(addr(NAT));
    return new QueryHandler(cache, log, clock, nat::contains, () -> ready[0],
        new QueryHandler.Settings(600 * S, 5, false, 64));
  }

  private TranslationLog translations() {
    return new TranslationLog(() -> now[0]);
  }

  /** A translation of {@code inside} to the NAT address and {@code publicPort}, seen at T0. */
  private static Translation translation(String inside, int insidePort, int publicPort) {
    return new Translation(6, new Endpoint(addr(inside), insidePort),
        new Endpoint(addr(NAT), publicPort), new Endpoint(addr("203.0.113.10"), 23), T0,
        Evidence.TRANSLATION);
  }

  /**
   * Asks about {@code publicPort} at T0, checks that the answer is {@code before}, marks a loss
   * of conntrack events around T0, and returns the answer to the same question.
   */
  private QueryReply askBeforeAndAfterLoss(TranslationLog log, int publicPort, ResultCode before) {
    QueryHandler h = handler(log);
    assertEquals(before, h.answer(ask(NAT, publicPort, T0 / S), BUDGET).result(), "no loss yet");
    log.markLoss(T0 - S, T0 + S);
    return h.answer(ask(NAT, publicPort, T0 / S), BUDGET);
  }

  /** Hosts A and B both connect from port 40000; the router keeps it for A, gives B 46728. */
  private void recordCollision(TranslationLog log) {
    record(v4(MAC_A, "192.0.2.11", 40000, "203.0.113.10", 23, T0));
    record(v4(MAC_B, "192.0.2.12", 40000, "203.0.113.10", 23, T0 + S));
    log.record(translation("192.0.2.11", 40000, 40000));
    log.record(translation("192.0.2.12", 40000, 46728));
    now[0] = T0 + 2 * S;
  }

  private void record(DecodedFrame f) {
    cache.record(f, lan);
  }

  private static QueryRequest ask(String src, int sport, long timeSeconds) {
    return new QueryRequest(42, 6, new Endpoint(addr(src), sport),
        new Endpoint(addr("203.0.113.10"), 23), timeSeconds, 0, 0);
  }

  @Test
  void answer_natAddressOneHost_foundByPortMatch() {
    record(v4(MAC_A, "192.0.2.11", 49200, "203.0.113.10", 23, T0));
    now[0] = T0 + 2 * S;
    QueryReply r = handler(false).answer(ask(NAT, 49200, T0 / S), BUDGET);
    assertEquals(ResultCode.FOUND, r.result());
    assertEquals(Evidence.PORT_MATCH, r.evidence());
    assertEquals(1, r.records().size());
    assertEquals("02:00:5e:00:01:01", r.records().get(0).mac().toString());
    assertEquals(addr("192.0.2.11"), r.records().get(0).insideAddress());
    assertEquals(42, r.requestId());
  }

  @Test
  void answer_twoMacsSamePort_ambiguousListingBoth() {
    record(v4(MAC_A, "192.0.2.11", 40000, "203.0.113.10", 23, T0));
    record(v4(MAC_B, "192.0.2.12", 40000, "203.0.113.10", 23, T0 + S));
    now[0] = T0 + 2 * S;
    QueryReply r = handler(false).answer(ask(NAT, 40000, T0 / S), BUDGET);
    assertEquals(ResultCode.AMBIGUOUS, r.result());
    assertEquals(2, r.records().size());
    assertEquals(2, r.totalMatches());
  }

  @Test
  void answer_notNatAddress_matchesWholeFiveTuple() {
    record(v4(MAC_A, "192.0.2.11", 49200, "203.0.113.10", 23, T0));
    now[0] = T0 + S;
    QueryReply hit = handler(false).answer(ask("192.0.2.11", 49200, T0 / S), BUDGET);
    assertEquals(ResultCode.FOUND, hit.result());
    assertEquals(Evidence.FIVE_TUPLE, hit.evidence());
    QueryReply miss = handler(false).answer(ask("192.0.2.99", 49200, T0 / S), BUDGET);
    assertEquals(ResultCode.NOT_FOUND, miss.result());
  }

  @Test
  void answer_flowBeyondTolerance_notFound() {
    record(v4(MAC_A, "192.0.2.11", 49200, "203.0.113.10", 23, T0));
    now[0] = T0 + 60 * S;
    QueryReply r = handler(false).answer(ask(NAT, 49200, T0 / S + 30), BUDGET);
    assertEquals(ResultCode.NOT_FOUND, r.result());
  }

  @Test
  void answer_timeOlderThanRetention_outsideWindow() {
    now[0] = T0 + 1000 * S;
    QueryReply r = handler(false).answer(ask(NAT, 49200, T0 / S), BUDGET);
    assertEquals(ResultCode.OUTSIDE_WINDOW, r.result());
  }

  @Test
  void answer_timeInTheFuture_outsideWindow() {
    QueryReply r = handler(false).answer(ask(NAT, 49200, T0 / S + 60), BUDGET);
    assertEquals(ResultCode.OUTSIDE_WINDOW, r.result());
  }

  /**
   * Times whose nanoseconds wrap around a 64-bit long onto the recorded flow's second: 2^55
   * seconds are 2^64 * 1953125 nanoseconds, so T0 plus any multiple of 2^55 seconds lands on T0
   * when multiplied unchecked.
   */
  private static final long[] TIMES_BEYOND_NANOSECONDS = {
    T0 / S + (1L << 55),
    T0 / S - (1L << 55),
    T0 / S + (1L << 56),
    T0 / S + 3 * (1L << 55),
    T0 / S - (1L << 57),
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    Long.MAX_VALUE / S,
    Long.MAX_VALUE / S + 1,
    Long.MIN_VALUE / S,
    Long.MIN_VALUE / S - 1,
  };

  @Test
  void answer_timeBeyondNanosecondRangeWithFlowAtWrappedTime_outsideWindow() {
    record(v4(MAC_A, "192.0.2.11", 49200, "203.0.113.10", 23, T0));
    now[0] = T0 + 2 * S;
    QueryHandler h = handler(false);
    assertEquals(ResultCode.FOUND, h.answer(ask(NAT, 49200, T0 / S), BUDGET).result());
    for (long time : TIMES_BEYOND_NANOSECONDS) {
      for (int tolerance : new int[] {0, 1, 65535}) {
        QueryRequest q = new QueryRequest(42, 6, new Endpoint(addr(NAT), 49200),
            new Endpoint(addr("203.0.113.10"), 23), time, tolerance, 0);
        QueryReply r = h.answer(q, BUDGET);
        assertEquals(ResultCode.OUTSIDE_WINDOW, r.result(), "time " + time + " tol " + tolerance);
        assertEquals(0, r.totalMatches());
        assertTrue(r.records().isEmpty());
      }
    }
  }

  @Test
  void answer_toleranceMaxAroundTheFlow_found() {
    record(v4(MAC_A, "192.0.2.11", 49200, "203.0.113.10", 23, T0));
    now[0] = T0 + 2 * S;
    QueryRequest q = new QueryRequest(42, 6, new Endpoint(addr(NAT), 49200),
        new Endpoint(addr("203.0.113.10"), 23), T0 / S + 65535, 65535, 0);
    assertEquals(ResultCode.FOUND, handler(false).answer(q, BUDGET).result());
  }

  @Test
  void answer_captureNotRunning_notReady() {
    ready[0] = false;
    QueryReply r = handler(false).answer(ask(NAT, 49200, T0 / S), BUDGET);
    assertEquals(ResultCode.NOT_READY, r.result());
  }

  @Test
  void answer_nothingInAWindowWithAGap_incomplete() {
    cache.markIncomplete(T0 - S, T0 + S);
    now[0] = T0 + 2 * S;
    QueryReply r = handler(false).answer(ask(NAT, 49200, T0 / S), BUDGET);
    assertEquals(ResultCode.INCOMPLETE, r.result());
  }

  @Test
  void answer_wildcardWhenDisabled_wildcardDisabled() {
    QueryReply r = handler(false).answer(ask(NAT, 0, 0), BUDGET);
    assertEquals(ResultCode.WILDCARD_DISABLED, r.result());
  }

  @Test
  void answer_wildcardEnabled_listsEverySessionInPages() {
    for (int i = 0; i < 20; i++) {
      record(v4(MAC_A + i, "192.0.2." + (20 + i), 50000 + i, "203.0.113.10", 23, T0 + i * S));
    }
    now[0] = T0 + 30 * S;
    QueryHandler h = handler(true);
    QueryReply first = h.answer(ask(NAT, 0, 0), 200);
    assertEquals(ResultCode.FOUND, first.result());
    assertEquals(20, first.totalMatches());
    assertTrue(first.more());
    int perPage = first.records().size();
    assertTrue(perPage >= 1 && perPage < 20, "page of " + perPage);
    int seen = 0;
    for (int page = 0; seen < 20; page++) {
      QueryReply r = h.answer(
          new QueryRequest(7, 6, new Endpoint(addr(NAT), 0),
              new Endpoint(addr("203.0.113.10"), 23), 0, 0, page), 200);
      seen += r.records().size();
      assertEquals(seen < 20, r.more());
    }
    assertEquals(20, seen);
  }

  @Test
  void answer_ambiguousOverSeveralPages_eachPageHoldsTheNextRecords() {
    for (int i = 0; i < 3; i++) {
      record(v4(MAC_A + i, "192.0.2." + (11 + i), 40000, "203.0.113.10", 23, T0 + i * S));
    }
    now[0] = T0 + 3 * S;
    QueryHandler h = handler(false);
    // 100 bytes hold one record; the most recent comes first
    String[] inside = {"192.0.2.13", "192.0.2.12", "192.0.2.11"};
    for (int page = 0; page < 4; page++) {
      QueryReply r = h.answer(new QueryRequest(7, 6, new Endpoint(addr(NAT), 40000),
          new Endpoint(addr("203.0.113.10"), 23), T0 / S, 5, page), 100);
      assertEquals(ResultCode.AMBIGUOUS, r.result(), "page " + page);
      assertEquals(3, r.totalMatches(), "page " + page);
      assertEquals(page < 2, r.more(), "page " + page);
      assertEquals(page < 3 ? 1 : 0, r.records().size(), "page " + page);
      if (page < 3) {
        assertEquals(addr(inside[page]), r.records().get(0).insideAddress(), "page " + page);
      }
    }
  }

  @Test
  void answer_wildcardBeyondWildcardMax_totalCountsEverySessionPagesHoldTheMax() {
    for (int i = 0; i < 10; i++) {
      record(v4(MAC_A + i, "192.0.2." + (20 + i), 50000 + i, "203.0.113.10", 23, T0 + i * S));
    }
    now[0] = T0 + 30 * S;
    Set<InetAddress> nat = Set.of(addr(NAT));
    QueryHandler h = new QueryHandler(cache, clock, nat::contains, () -> ready[0],
        new QueryHandler.Settings(600 * S, 5, true, 5));
    QueryReply r = h.answer(ask(NAT, 0, 0), 1472);
    assertEquals(ResultCode.FOUND, r.result());
    assertEquals(5, r.records().size());
    assertEquals(10, r.totalMatches());
    assertFalse(r.more());
    for (int i = 0; i < 5; i++) {
      assertEquals(50000 + i, r.records().get(i).insidePort(), "oldest sessions first");
    }
    QueryReply small = h.answer(ask(NAT, 0, 0), 200);
    assertEquals(10, small.totalMatches());
    assertTrue(small.more());
  }

  @Test
  void answer_replyBudgetSmall_recordsTrimmedAndMoreSet() {
    record(v4(MAC_A, "192.0.2.11", 40000, "203.0.113.10", 23, T0));
    record(v4(MAC_B, "192.0.2.12", 40000, "203.0.113.10", 23, T0));
    now[0] = T0 + S;
    QueryReply r = handler(false).answer(ask(NAT, 40000, T0 / S), 100);
    assertEquals(ResultCode.AMBIGUOUS, r.result());
    assertEquals(1, r.records().size());
    assertTrue(r.more());
    assertFalse(r.records().isEmpty());
  }

  @Test
  void answer_rewrittenPublicPort_foundThroughTranslationWithTheRightInsideHost() {
    TranslationLog log = translations();
    recordCollision(log);
    QueryReply r = handler(log).answer(ask(NAT, 46728, T0 / S), BUDGET);
    assertFoundThroughTranslation(r, "02:00:5e:00:01:02", "192.0.2.12");
  }

  @Test
  void answer_keptPublicPortBothHostsUsedIt_foundThroughTranslationNotAmbiguous() {
    TranslationLog log = translations();
    recordCollision(log);
    QueryReply r = handler(log).answer(ask(NAT, 40000, T0 / S), BUDGET);
    assertFoundThroughTranslation(r, "02:00:5e:00:01:01", "192.0.2.11");
  }

  /** One record, from port 40000 of {@code inside}, found through a translation. */
  private static void assertFoundThroughTranslation(QueryReply r, String mac, String inside) {
    assertEquals(ResultCode.FOUND, r.result());
    assertEquals(Evidence.TRANSLATION, r.evidence());
    assertEquals(1, r.totalMatches());
    assertEquals(1, r.records().size());
    assertEquals(mac, r.records().get(0).mac().toString());
    assertEquals(addr(inside), r.records().get(0).insideAddress());
    assertEquals(40000, r.records().get(0).insidePort());
    assertFalse(r.more());
  }

  @Test
  void answer_noTranslationLossMarked_incompleteListingPortMatchCandidates() {
    TranslationLog log = translations();
    // the translations of both connections were in lost events: only the flows are known
    record(v4(MAC_A, "192.0.2.11", 40000, "203.0.113.10", 23, T0));
    record(v4(MAC_B, "192.0.2.12", 40000, "203.0.113.10", 23, T0 + S));
    now[0] = T0 + 2 * S;
    QueryReply r = askBeforeAndAfterLoss(log, 40000, ResultCode.AMBIGUOUS);
    assertEquals(ResultCode.INCOMPLETE, r.result());
    assertEquals(Evidence.PORT_MATCH, r.evidence());
    assertEquals(2, r.totalMatches());
    assertEquals(2, r.records().size());
    assertEquals(Set.of("02:00:5e:00:01:01", "02:00:5e:00:01:02"),
        Set.of(r.records().get(0).mac().toString(), r.records().get(1).mac().toString()));
    assertFalse(r.more());
  }

  @Test
  void answer_singlePortMatchInLossWindow_incompleteWithTheCandidate() {
    TranslationLog log = translations();
    record(v4(MAC_A, "192.0.2.11", 40000, "203.0.113.10", 23, T0));
    now[0] = T0 + 2 * S;
    QueryReply r = askBeforeAndAfterLoss(log, 40000, ResultCode.FOUND);
    assertEquals(ResultCode.INCOMPLETE, r.result(), "a port match after a loss is a guess");
    assertEquals(Evidence.PORT_MATCH, r.evidence());
    assertEquals(1, r.records().size());
    assertEquals("02:00:5e:00:01:01", r.records().get(0).mac().toString());
  }

  @Test
  void answer_translationFoundInLossWindow_incompleteListingIt() {
    TranslationLog log = translations();
    // A held public port 40000 in a lost event; B's later connection got it too, and was read
    record(v4(MAC_A, "192.0.2.11", 40000, "203.0.113.10", 23, T0));
    record(v4(MAC_B, "192.0.2.12", 40000, "203.0.113.10", 23, T0 + S));
    log.record(translation("192.0.2.12", 40000, 40000));
    now[0] = T0 + 2 * S;
    QueryReply r = askBeforeAndAfterLoss(log, 40000, ResultCode.FOUND);
    assertEquals(ResultCode.INCOMPLETE, r.result());
    assertEquals(Evidence.TRANSLATION, r.evidence());
    assertEquals(1, r.records().size());
    assertEquals("02:00:5e:00:01:02", r.records().get(0).mac().toString());
  }

  @Test
  void answer_missInLossWindow_incompleteInsteadOfNotFound() {
    TranslationLog log = translations();
    now[0] = T0 + 2 * S;
    QueryReply r = askBeforeAndAfterLoss(log, 46728, ResultCode.NOT_FOUND);
    assertEquals(ResultCode.INCOMPLETE, r.result());
    assertEquals(0, r.totalMatches());
    assertEquals(0, r.records().size());
    assertEquals(1, log.stats().lossEvents());
  }

  @Test
  void answer_lossOutsideTheAskedWindow_notFound() {
    TranslationLog log = translations();
    log.markLoss(T0 - 100 * S, T0 - 50 * S);
    now[0] = T0 + 2 * S;
    QueryReply r = handler(log).answer(ask(NAT, 46728, T0 / S), BUDGET);
    assertEquals(ResultCode.NOT_FOUND, r.result());
  }
}
