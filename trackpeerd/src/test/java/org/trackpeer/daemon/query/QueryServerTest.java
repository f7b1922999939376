package org.trackpeer.daemon.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.AgentClock;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;
import org.trackpeer.proto.StatsReply;

/** Drives a real query server on 127.0.0.1 with a hand-set clock and counts bytes on the wire. */
final class QueryServerTest {
  private static final InetAddress ALLOWED = loopback(2);
  private static final InetAddress UNLISTED = loopback(1);
  private static final long WALL_SECONDS = 1_700_000_000L;
  private static final Auth.Key KEY = new Auth.Key(3, HexFormat.of().parseHex(
      "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"));

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicLong wallSeconds = new AtomicLong(WALL_SECONDS);
  private QueryServer server;
  private Thread thread;
  private InetSocketAddress address;

  private static InetAddress loopback(int last) {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private void start(QueryGuard.Settings settings) throws Exception {
    bind(settings);
    thread = new Thread(server, "query-test");
    thread.start();
  }

  /** Binds the server without running it: what arrives waits in the socket's buffer. */
  private void bind(QueryGuard.Settings settings) throws Exception {
    AgentClock clock = AgentClock.system();
    FlowCache cache = new FlowCache(new CacheConfig(600_000_000_000L, 2_000_000_000L, 1000, 1.0),
        clock);
    QueryHandler handler = new QueryHandler(cache, clock, a -> false, () -> false,
        new QueryHandler.Settings(600_000_000_000L, 5, false, 16));
    QueryGuard guard = new QueryGuard(settings, nanos::get, wallSeconds::get);
    server = new QueryServer(List.of(UNLISTED), 0, handler, ALLOWED::equals,
        () -> "x 1\n".repeat(1000), guard);
    address = new InetSocketAddress(UNLISTED, server.localPort());
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (thread != null) {
      thread.join(5000);
    }
  }

  private static QueryRequest query(long id) {
    return new QueryRequest(id, QueryRequest.TCP, Endpoint.parse("203.0.113.5:40000", true),
        Endpoint.parse("198.51.100.7:443", true), WALL_SECONDS, 0, 0);
  }

  private static DatagramSocket socket(InetAddress from) throws Exception {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress(from, 0));
    s.setSoTimeout(5000);
    return s;
  }

  private void send(DatagramSocket s, byte[] b) throws Exception {
    s.send(new DatagramPacket(b, b.length, address));
  }

  private static byte[] receive(DatagramSocket s) throws Exception {
    byte[] buf = new byte[2048];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    s.receive(p);
    return Arrays.copyOf(buf, p.getLength());
  }

  /** Returns the datagrams already waiting on {@code s}. */
  private static int drain(DatagramSocket s) throws Exception {
    s.setSoTimeout(50);
    int n = 0;
    try {
      while (true) {
        receive(s);
        n++;
      }
    } catch (SocketTimeoutException e) {
      return n;
    }
  }

  private static long id(byte[] reply) {
    long v = 0;
    for (int i = 4; i < 12; i++) {
      v = (v << 8) | (reply[i] & 0xFF);
    }
    return v;
  }

  private Map<String, Long> counters() {
    return server.guardCounters();
  }

  @Test
  void serve_requestsOfEverySize_replyNeverLargerThanRequest() throws Exception {
    start(QueryGuard.Settings.open());
    try (DatagramSocket s = socket(ALLOWED)) {
      for (int size = 13; size <= Protocol.MAX_DATAGRAM_BYTES; size += 37) {
        byte[] stats = QueryCodec.encodeStatsRequest(size, size);
        send(s, stats);
        byte[] reply = receive(s);
        assertEquals(size, id(reply));
        assertTrue(reply.length <= stats.length, reply.length + " > " + stats.length);
        StatsReply r = QueryCodec.decodeStatsReply(reply, 0, reply.length);
        assertEquals(ResultCode.FOUND, r.result());
        if (size >= 40) {
          byte[] q = QueryCodec.encodeRequest(query(100_000 + size), size);
          send(s, q);
          byte[] qr = receive(s);
          assertEquals(100_000 + size, id(qr));
          assertTrue(qr.length <= q.length, qr.length + " > " + q.length);
          assertEquals(ResultCode.NOT_READY,
              QueryCodec.decodeReply(qr, 0, qr.length).result());
        }
      }
    }
  }

  @Test
  void close_oneListenAddress_blockedLoopEnds() throws Exception {
    start(QueryGuard.Settings.open());
    try (DatagramSocket s = socket(ALLOWED)) {
      send(s, QueryCodec.encodeStatsRequest(7, 64));
      assertEquals(7, id(receive(s)));
    }
    // the thread waits in a blocking receive on its one socket
    server.close();
    thread.join(5000);
    assertFalse(thread.isAlive(), "query thread still running after close");
  }

  @Test
  void serve_twoListenAddresses_eachAnswersFromItsOwnAddress() throws Exception {
    AgentClock clock = AgentClock.system();
    FlowCache cache = new FlowCache(new CacheConfig(600_000_000_000L, 2_000_000_000L, 1000, 1.0),
        clock);
    QueryHandler handler = new QueryHandler(cache, clock, a -> false, () -> false,
        new QueryHandler.Settings(600_000_000_000L, 5, false, 16));
    InetAddress second = loopback(3);
    // one port for both addresses (port 0 would give each its own): one free a moment ago
    int port;
    try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(second, 0))) {
      port = probe.getLocalPort();
    }
    server = new QueryServer(List.of(UNLISTED, second), port, handler, ALLOWED::equals,
        () -> "x 1\n", new QueryGuard(QueryGuard.Settings.open(), nanos::get, wallSeconds::get));
    thread = new Thread(server, "query-test");
    thread.start();
    try (DatagramSocket s = socket(ALLOWED)) {
      for (InetAddress to : List.of(UNLISTED, second, UNLISTED)) {
        byte[] stats = QueryCodec.encodeStatsRequest(to.getAddress()[3], 64);
        s.send(new DatagramPacket(stats, stats.length, new InetSocketAddress(to, port)));
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        s.receive(p);
        assertEquals(to, p.getAddress(), "answered from the address asked");
        assertEquals(to.getAddress()[3], id(Arrays.copyOf(buf, p.getLength())));
      }
    }
    server.close();
    thread.join(5000);
    assertFalse(thread.isAlive(), "query thread still running after close");
  }

  @Test
  void serve_burstWhileServerPaused_everyQueryAnswered() throws Exception {
    // (read by lines: /proc reports a size of 0, which readString trusts)
    long rmemMax = Long.parseLong(java.nio.file.Files.readAllLines(
        java.nio.file.Path.of("/proc/sys/net/core/rmem_max")).get(0).trim());
    org.junit.jupiter.api.Assumptions.assumeTrue(rmemMax >= QueryServer.RECEIVE_BUFFER_BYTES,
        "net.core.rmem_max " + rmemMax + " caps the query port's receive buffer");
    bind(QueryGuard.Settings.open());
    assertTrue(server.receiveBufferBytes() >= QueryServer.RECEIVE_BUFFER_BYTES,
        "granted " + server.receiveBufferBytes());
    // a burst of 64-byte queries, more than the kernel's default buffer holds (about 200
    // KiB: a few hundred such datagrams), sent while the server thread is not reading
    int burst = 2000;
    try (DatagramSocket s = socket(ALLOWED)) {
      s.setReceiveBufferSize(QueryServer.RECEIVE_BUFFER_BYTES);
      for (int id = 1; id <= burst; id++) {
        send(s, QueryCodec.encodeRequest(query(id), 64));
      }
      thread = new Thread(server, "query-test");
      thread.start();
      boolean[] seen = new boolean[burst + 1];
      int answered = 0;
      try {
        while (answered < burst) {
          byte[] r = receive(s);
          seen[(int) id(r)] = true;
          answered++;
        }
      } catch (SocketTimeoutException e) {
        // counted below
      }
      assertEquals(burst, answered, "answers to a burst of " + burst);
      for (int id = 1; id <= burst; id++) {
        assertTrue(seen[id], "no answer to query " + id);
      }
    }
  }

  @Test
  void serve_malformedShorterThanItsAnswer_noReply() throws Exception {
    start(QueryGuard.Settings.open());
    try (DatagramSocket s = socket(ALLOWED)) {
      byte[] bad = Arrays.copyOf(QueryCodec.encodeRequest(query(1), 0), 17);
      send(s, bad); // a malformed answer would be 18 bytes: more than was sent
      byte[] good = QueryCodec.encodeRequest(query(2), 64);
      send(s, good);
      byte[] reply = receive(s);
      assertEquals(2, id(reply));
      assertEquals(0, drain(s));
    }
  }

  @Test
  void serve_burstExceeded_rateLimitedThenRefilled() throws Exception {
    start(new QueryGuard.Settings(1, 3, 0, 1, 0, Map.of()));
    try (DatagramSocket s = socket(ALLOWED)) {
      for (long id = 1; id <= 5; id++) {
        send(s, QueryCodec.encodeRequest(query(id), 64));
        byte[] r = receive(s);
        assertEquals(id, id(r));
        ResultCode expected = id <= 3 ? ResultCode.NOT_READY : ResultCode.RATE_LIMITED;
        assertEquals(expected, QueryCodec.decodeReply(r, 0, r.length).result());
      }
      assertEquals(2L, counters().get("query_rate_limited"));
      nanos.addAndGet(1_000_000_000L);
      send(s, QueryCodec.encodeRequest(query(6), 64));
      byte[] r = receive(s);
      assertEquals(ResultCode.NOT_READY, QueryCodec.decodeReply(r, 0, r.length).result());
    }
  }

  @Test
  void serve_globalLimit_appliesAcrossSources() throws Exception {
    start(new QueryGuard.Settings(0, 1, 1, 2, 0, Map.of()));
    try (DatagramSocket s = socket(ALLOWED)) {
      ResultCode[] got = new ResultCode[3];
      for (int i = 0; i < 3; i++) {
        send(s, QueryCodec.encodeRequest(query(i + 1), 64));
        byte[] r = receive(s);
        got[i] = QueryCodec.decodeReply(r, 0, r.length).result();
      }
      assertEquals(List.of(ResultCode.NOT_READY, ResultCode.NOT_READY, ResultCode.RATE_LIMITED),
          List.of(got));
    }
  }

  @Test
  void serve_rateLimitedReplies_themselvesLimited() throws Exception {
    start(new QueryGuard.Settings(1, 1, 0, 1, 1, Map.of()));
    try (DatagramSocket s = socket(ALLOWED)) {
      for (long id = 1; id <= 6; id++) {
        send(s, QueryCodec.encodeRequest(query(id), 64));
      }
      // negative replies: burst 2 at 1/s; one answered query, two rate_limited, three silent
      assertEquals(3, drainAfterBarrier(s));
      assertEquals(5L, counters().get("query_rate_limited"));
      assertEquals(3L, counters().get("query_negative_replies_suppressed"));
    }
  }

  /**
   * Waits until the server has handled everything sent so far and returns what {@code s} got.
   * The loop handles datagrams in arrival order; the barrier is a one-byte datagram from an
   * unlisted address, which is only counted as rejected and never answered.
   */
  private int drainAfterBarrier(DatagramSocket s) throws Exception {
    long before = rejectedTotal();
    try (DatagramSocket barrier = socket(loopback(4))) {
      send(barrier, new byte[] {0x00});
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (rejectedTotal() == before) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("server did not handle the barrier datagram");
      }
      Thread.onSpinWait();
    }
    return drain(s);
  }

  private long rejectedTotal() {
    return server.rejected().values().stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void serve_unlistedSource_refusalsRateLimited() throws Exception {
    start(new QueryGuard.Settings(0, 1, 0, 1, 1, Map.of()));
    try (DatagramSocket s = socket(UNLISTED)) {
      for (long id = 1; id <= 5; id++) {
        send(s, QueryCodec.encodeRequest(query(id), 64));
      }
      assertEquals(2, drainAfterBarrier(s));
      assertEquals(5, server.refused());
      assertEquals(3L, counters().get("query_negative_replies_suppressed"));
    }
  }

  @Test
  void serve_unlistedSource_refusedReplyIsRefused() throws Exception {
    start(new QueryGuard.Settings(0, 1, 0, 1, 10, Map.of()));
    try (DatagramSocket s = socket(UNLISTED)) {
      send(s, QueryCodec.encodeRequest(query(9), 64));
      byte[] r = receive(s);
      assertEquals(ResultCode.REFUSED, QueryCodec.decodeReply(r, 0, r.length).result());
    }
  }

  private static byte[] sealed(long id, long timeSeconds, byte[] nonce, Auth.Key key) {
    return Auth.sealRequest(QueryCodec.encodeRequest(query(id), 0), key, timeSeconds, nonce,
        256);
  }

  private static ResultCode plainResult(byte[] r) throws Exception {
    return QueryCodec.decodeReply(r, 0, r.length).result();
  }

  @Test
  void serve_authenticated_replySealedAndNoLargerThanRequest() throws Exception {
    start(new QueryGuard.Settings(0, 1, 0, 1, 0, Map.of(3L, KEY)));
    try (DatagramSocket s = socket(ALLOWED)) {
      byte[] nonce = new byte[16];
      nonce[0] = 1;
      byte[] req = sealed(1, WALL_SECONDS, nonce, KEY);
      send(s, req);
      byte[] r = receive(s);
      assertTrue(r.length <= req.length);
      int body = Auth.openReply(r, r.length, KEY, nonce);
      assertEquals(ResultCode.NOT_READY, QueryCodec.decodeReply(r, 0, body).result());
    }
  }

  @Test
  void serve_authenticatedWithAudit_lineNamesKeyId() throws Exception {
    start(new QueryGuard.Settings(0, 1, 0, 1, 0, Map.of(3L, KEY)));
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    server.audit(new QueryAudit(lines::add, 100, nanos::get));
    try (DatagramSocket s = socket(ALLOWED)) {
      byte[] nonce = new byte[16];
      nonce[0] = 5;
      send(s, sealed(0x5a, WALL_SECONDS, nonce, KEY));
      receive(s);
      assertEquals("Query from=127.0.0.2:" + s.getLocalPort() + " key=3 id=5a proto=tcp"
          + " src=203.0.113.5:40000 dst=198.51.100.7:443 time=1700000000 tolerance=0 page=0"
          + " result=not_ready evidence=none count=0 macs=-",
          lines.poll(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void serve_authRequired_plainReplayedSkewedWrongKeyRefused() throws Exception {
    start(new QueryGuard.Settings(0, 1, 0, 1, 0, Map.of(3L, KEY)));
    try (DatagramSocket s = socket(ALLOWED)) {
      send(s, QueryCodec.encodeRequest(query(1), 256));
      assertEquals(ResultCode.REFUSED, plainResult(receive(s)));

      byte[] nonce = new byte[16];
      nonce[0] = 2;
      byte[] req = sealed(2, WALL_SECONDS, nonce, KEY);
      send(s, req);
      byte[] ok = receive(s);
      Auth.openReply(ok, ok.length, KEY, nonce);
      send(s, req);
      byte[] replayed = receive(s);
      assertEquals(ResultCode.REFUSED, plainResult(replayed));
      assertThrows(Auth.AuthException.class,
          () -> Auth.openReply(replayed, replayed.length, KEY, nonce));

      nonce[0] = 3;
      send(s, sealed(3, WALL_SECONDS - Auth.WINDOW_SECONDS - 1, nonce, KEY));
      assertEquals(ResultCode.REFUSED, plainResult(receive(s)));

      nonce[0] = 4;
      Auth.Key wrong = new Auth.Key(3, new byte[32]);
      send(s, sealed(4, WALL_SECONDS, nonce, wrong));
      assertEquals(ResultCode.REFUSED, plainResult(receive(s)));

      Map<String, Long> c = counters();
      assertEquals(1L, c.get("query_auth_failed_not_authenticated"));
      assertEquals(1L, c.get("query_auth_failed_replay"));
      assertEquals(1L, c.get("query_auth_failed_clock_skew"));
      assertEquals(1L, c.get("query_auth_failed_bad_mac"));
      assertEquals(4, server.refused());
    }
  }

  @Test
  void serve_authFailuresWithAudit_eachRefusalLinedWithItsReason() throws Exception {
    start(new QueryGuard.Settings(0, 1, 0, 1, 0, Map.of(3L, KEY)));
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    server.audit(new QueryAudit(lines::add, 100, nanos::get));
    try (DatagramSocket s = socket(ALLOWED)) {
      String head = "Query from=127.0.0.2:" + s.getLocalPort() + " key=- id=";
      String question = " proto=tcp src=203.0.113.5:40000 dst=198.51.100.7:443"
          + " time=1700000000 tolerance=0 page=0 result=refused reason=";
      send(s, QueryCodec.encodeRequest(query(1), 256));
      receive(s);
      assertEquals(head + "1" + question + "not_authenticated macs=-",
          lines.poll(5, TimeUnit.SECONDS));

      byte[] nonce = new byte[16];
      nonce[0] = 7;
      byte[] req = sealed(2, WALL_SECONDS, nonce, KEY);
      send(s, req);
      receive(s);
      assertTrue(lines.poll(5, TimeUnit.SECONDS).contains(" key=3 id=2 "));
      send(s, req);
      receive(s);
      assertEquals(head + "2" + question + "replay macs=-", lines.poll(5, TimeUnit.SECONDS));

      nonce[0] = 8;
      send(s, sealed(3, WALL_SECONDS, nonce, new Auth.Key(3, new byte[32])));
      receive(s);
      assertEquals(head + "3" + question + "bad_mac macs=-", lines.poll(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void serve_rateLimitedWithAudit_lineSaysRateLimited() throws Exception {
    start(new QueryGuard.Settings(1, 1, 0, 1, 10, Map.of()));
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    server.audit(new QueryAudit(lines::add, 100, nanos::get));
    try (DatagramSocket s = socket(ALLOWED)) {
      send(s, QueryCodec.encodeRequest(query(1), 64));
      send(s, QueryCodec.encodeRequest(query(2), 64));
      drainAfterBarrier(s);
      assertTrue(lines.poll(5, TimeUnit.SECONDS).contains(" id=1 "));
      assertEquals("Query from=127.0.0.2:" + s.getLocalPort() + " key=- id=2 proto=tcp"
          + " src=203.0.113.5:40000 dst=198.51.100.7:443 time=1700000000 tolerance=0 page=0"
          + " result=rate_limited macs=-",
          lines.poll(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void serve_authenticatedWithoutKeys_refused() throws Exception {
    start(QueryGuard.Settings.open());
    try (DatagramSocket s = socket(ALLOWED)) {
      send(s, sealed(1, WALL_SECONDS, new byte[16], KEY));
      assertEquals(ResultCode.REFUSED, plainResult(receive(s)));
      assertEquals(1L, counters().get("query_auth_failed_not_configured"));
    }
  }
}
