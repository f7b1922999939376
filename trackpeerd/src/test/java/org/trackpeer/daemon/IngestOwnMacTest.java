package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.daemon.cache.Frames.T0;
import static org.trackpeer.daemon.cache.Frames.v4;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.query.QueryHandler;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * The router's own MAC is never recorded: frames sent from it (replies it forwards into the
 * LAN, its own connections) are counted as its own, and no query is answered with it.
 */
final class IngestOwnMacTest {
  private static final long S = 1_000_000_000L;
  private static final long MAC_A = 0x02005e000101L;
  private static final InetAddress NAT = Endpoint.parseAddress("203.0.113.1");

  /** The replay clock: it follows the frames' times, here set by hand. */
  private final AgentClock clock = AgentClock.replay();

  @Test
  void accept_framesFromAConfiguredRouterMac_neverRecordedNorAnswered() {
    long router = 0x02005e000001L;
    assertOwnMacNeverAnswered(
        new LocalAddresses(List.of(MacAddress.of(router)), List.of(NAT)), router);
  }

  @Test
  void accept_framesFromAnInterfacesOwnMac_neverRecordedNorAnswered() throws Exception {
    Long own = null;
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      byte[] hw = ni.getHardwareAddress();
      if (own == null && hw != null && hw.length == 6 && MacAddress.of(hw, 0).toLong() != 0) {
        own = MacAddress.of(hw, 0).toLong();
      }
    }
    assumeTrue(own != null, "no interface with a MAC address here; skipped");
    assertOwnMacNeverAnswered(new LocalAddresses(List.of(), List.of(NAT)), own);
  }

  private void assertOwnMacNeverAnswered(LocalAddresses local, long router) {
    clock.observe(T0);
    FlowCache cache = new FlowCache(CacheConfig.defaults(), clock);
    int lan = cache.registerInterface("lan0");
    Ingest ingest = new Ingest(cache, local, clock, null);
    // host A's connection, and the server's reply that the router forwards into the LAN
    ingest.accept(v4(MAC_A, "192.0.2.11", 49200, "203.0.113.10", 23, T0), new byte[0], lan);
    ingest.accept(v4(router, "203.0.113.10", 23, "192.0.2.11", 49200, T0), new byte[0], lan);
    // a connection of the router itself, from its LAN address
    ingest.accept(v4(router, "192.0.2.1", 49300, "203.0.113.10", 23, T0), new byte[0], lan);
    clock.observe(T0 + S);

    assertEquals(2, ingest.ownFrames());
    assertEquals(1, ingest.recorded());
    QueryHandler handler = new QueryHandler(cache, clock, NAT::equals, () -> true,
        new QueryHandler.Settings(600 * S, 5, false, 16));
    QueryReply host = handler.answer(ask(NAT, 49200, "203.0.113.10", 23), 512);
    assertEquals(ResultCode.FOUND, host.result());
    assertEquals(1, host.totalMatches());
    assertEquals("02:00:5e:00:01:01", host.records().get(0).mac().toString());
    QueryReply reply = handler.answer(ask(Endpoint.parseAddress("203.0.113.10"), 23,
        "192.0.2.11", 49200), 512);
    assertEquals(ResultCode.NOT_FOUND, reply.result());
    QueryReply own = handler.answer(ask(NAT, 49300, "203.0.113.10", 23), 512);
    assertEquals(ResultCode.NOT_FOUND, own.result());
    assertTrue(own.records().isEmpty());
  }

  private static QueryRequest ask(InetAddress src, int sport, String dst, int dport) {
    return new QueryRequest(9, QueryRequest.TCP, new Endpoint(src, sport),
        new Endpoint(Endpoint.parseAddress(dst), dport), T0 / S, 0, 0);
  }
}
