package org.trackpeer.daemon.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;

final class TranslationLogTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long T0 = 1_700_000_000L * SECOND;
  private static final InetAddress PUBLIC = Endpoint.parseAddress("203.0.113.1");
  private static final InetAddress SERVER = Endpoint.parseAddress("203.0.113.10");
  private static final Endpoint A = Endpoint.parse("192.0.2.11:40000", true);
  private static final Endpoint B = Endpoint.parse("192.0.2.12:40000", true);

  private final AtomicLong ticker = new AtomicLong(5 * SECOND);
  private final TranslationLog log = new TranslationLog(ticker::get);

  private static Translation tcp(Endpoint inside, int publicPort, long seenWallNanos) {
    return new Translation(6, inside, new Endpoint(PUBLIC, publicPort),
        new Endpoint(SERVER, 23), seenWallNanos, Evidence.TRANSLATION);
  }

  private List<Translation> find(int publicPort, long from, long to) {
    return log.find(6, PUBLIC, publicPort, SERVER, 23, from, to);
  }

  @Test
  void find_collidingHosts_returnsEachInside() {
    log.record(tcp(A, 40000, T0));
    log.record(tcp(B, 46728, T0 + SECOND));

    assertEquals(A, find(40000, T0, T0 + 2 * SECOND).get(0).inside());
    assertEquals(B, find(46728, T0, T0 + 2 * SECOND).get(0).inside());
    assertTrue(find(40001, T0, T0 + 2 * SECOND).isEmpty());
    assertTrue(log.find(17, PUBLIC, 40000, SERVER, 23, T0, T0 + SECOND).isEmpty());
  }

  @Test
  void find_createdBeforeWindowAndStillOpen_matches() {
    log.record(tcp(A, 40000, T0));

    assertEquals(1, find(40000, T0 + 100 * SECOND, T0 + 101 * SECOND).size());
    assertTrue(find(40000, T0 - 10 * SECOND, T0 - SECOND).isEmpty(), "not before its creation");
  }

  @Test
  void find_endedBeforeWindow_doesNotMatch() {
    log.record(tcp(A, 40000, T0));
    log.end(tcp(A, 40000, T0), T0 + 5 * SECOND);

    assertEquals(1, find(40000, T0 + 4 * SECOND, T0 + 6 * SECOND).size());
    assertTrue(find(40000, T0 + 6 * SECOND, T0 + 7 * SECOND).isEmpty());
  }

  @Test
  void record_otherInsideOnSamePublicPort_closesTheEarlierOne() {
    log.record(tcp(A, 40000, T0));
    log.record(tcp(B, 40000, T0 + 60 * SECOND));

    assertEquals(List.of(A), find(40000, T0 + SECOND, T0 + 2 * SECOND).stream()
        .map(Translation::inside).toList());
    assertEquals(List.of(B), find(40000, T0 + 61 * SECOND, T0 + 62 * SECOND).stream()
        .map(Translation::inside).toList());
    assertEquals(List.of(B, A), find(40000, T0, T0 + 62 * SECOND).stream()
        .map(Translation::inside).toList(), "newest first");
  }

  @Test
  void record_confirmedWithEarlierStart_foundFromThatStart() {
    // the NEW event read 3 s late, then a table read with the kernel's start time
    log.record(tcp(A, 40000, T0 + 3 * SECOND));
    assertTrue(find(40000, T0, T0 + SECOND).isEmpty());
    log.record(tcp(A, 40000, T0));

    assertEquals(1, log.stats().entries());
    List<Translation> found = find(40000, T0, T0 + SECOND);
    assertEquals(1, found.size());
    assertEquals(A, found.get(0).inside());
    assertEquals(T0, found.get(0).seenWallNanos());
  }

  @Test
  void record_sameConnectionAgain_isOneEntry() {
    log.record(tcp(A, 40000, T0));
    log.record(tcp(A, 40000, T0 + SECOND));

    assertEquals(1, log.stats().entries());
    assertEquals(T0, find(40000, T0, T0 + 2 * SECOND).get(0).seenWallNanos());
  }

  @Test
  void expire_afterRetention_forgetsEntries() {
    log.record(tcp(A, 40000, T0));
    ticker.addAndGet(599 * SECOND);
    log.expire();
    assertEquals(1, log.stats().entries());

    ticker.addAndGet(12 * SECOND);
    log.expire();

    assertEquals(0, log.stats().entries());
    assertTrue(find(40000, T0, T0 + SECOND).isEmpty());
  }

  @Test
  void expire_entryConfirmedByDump_survives() {
    log.record(tcp(A, 40000, T0));
    ticker.addAndGet(300 * SECOND);
    long mark = log.beginDump(false);
    log.record(tcp(A, 40000, T0 + 300 * SECOND));
    log.endDump(mark, T0 + 300 * SECOND);
    ticker.addAndGet(400 * SECOND);

    assertEquals(A, find(40000, T0 + 690 * SECOND, T0 + 700 * SECOND).get(0).inside());
  }

  @Test
  void endDump_openEntryMissingFromTable_isClosed() {
    log.record(tcp(A, 40000, T0));
    long mark = log.beginDump(true);
    log.endDump(mark, T0 + 50 * SECOND);

    assertEquals(1, find(40000, T0 + 49 * SECOND, T0 + 49 * SECOND).size());
    assertTrue(find(40000, T0 + 51 * SECOND, T0 + 52 * SECOND).isEmpty());
    assertEquals(1, log.stats().resyncs());
  }

  @Test
  void markLoss_overlappingWindow_isIncomplete() {
    log.markLoss(T0 + 10 * SECOND, T0 + 12 * SECOND);

    assertTrue(log.incomplete(T0 + 11 * SECOND, T0 + 11 * SECOND));
    assertTrue(log.incomplete(T0, T0 + 10 * SECOND));
    assertFalse(log.incomplete(T0, T0 + 9 * SECOND));
    assertFalse(log.incomplete(T0 + 13 * SECOND, T0 + 20 * SECOND));
    assertEquals(1, log.stats().lossEvents());
  }

  @Test
  void markLoss_afterRetention_isForgotten() {
    log.markLoss(T0, T0 + SECOND);
    ticker.addAndGet(620 * SECOND);

    assertFalse(log.incomplete(T0, T0 + SECOND));
  }

  @Test
  void record_beyondMaxEntries_evictsOldestAndMarksItsLifeIncomplete() {
    TranslationLog small = new TranslationLog(ticker::get, 600 * SECOND, 2);
    small.record(tcp(A, 40000, T0));
    ticker.addAndGet(20 * SECOND);
    small.record(tcp(B, 46728, T0 + 20 * SECOND));
    ticker.addAndGet(20 * SECOND);
    small.record(tcp(Endpoint.parse("192.0.2.13:5000", true), 5000, T0 + 40 * SECOND));

    TranslationLog.Stats stats = small.stats();
    assertEquals(2, stats.entries());
    assertEquals(1, stats.evicted());
    assertTrue(small.find(6, PUBLIC, 40000, SERVER, 23, T0, T0 + 50 * SECOND).isEmpty());
    assertEquals(1, small.find(6, PUBLIC, 46728, SERVER, 23, T0, T0 + 50 * SECOND).size());
    assertTrue(small.incomplete(T0 + 5 * SECOND, T0 + 6 * SECOND));
  }

  @Test
  void end_withoutStart_keepsTheMomentItWasSeen() {
    log.end(tcp(A, 40000, T0 + 10 * SECOND), T0 + 10 * SECOND);

    assertEquals(1, find(40000, T0 + 9 * SECOND, T0 + 11 * SECOND).size());
    assertTrue(find(40000, T0 + 11 * SECOND, T0 + 12 * SECOND).isEmpty());
  }
}
