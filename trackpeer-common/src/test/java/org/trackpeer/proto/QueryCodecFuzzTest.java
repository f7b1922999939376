package org.trackpeer.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz targets for the wire decoders: the agent's request decoder and the client's reply
 * decoders. A plain {@code mvn test} replays the committed inputs under
 * {@code QueryCodecFuzzTestInputs/}; {@code bin/fuzz} runs each target for a bounded time.
 *
 * <p>Each target asserts that only {@link ProtocolException} escapes, that every rejection
 * names a reason, and that whatever is accepted encodes back within the datagram limits.
 */
final class QueryCodecFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void decodeRequest_anyBytes_requestOrNamedRejection(byte[] data) {
    DecodedRequest r;
    try {
      r = QueryCodec.decodeRequest(data, 0, data.length);
    } catch (ProtocolException e) {
      assertNotNull(e.reason(), "rejection without a reason");
      if (e.headerRead()) {
        assertNotNull(e.resultCode(), "readable header without a result code");
      }
      return;
    }
    assertTrue(data.length <= Protocol.MAX_DATAGRAM_BYTES, "accepted an oversized datagram");
    assertEquals(data.length, r.datagramBytes(), "size of the accepted request");
    if (r.query() != null && !r.authenticated()) {
      // an unauthenticated query encodes back to the same bytes, padding included
      byte[] again = QueryCodec.encodeRequest(r.query(), data.length);
      assertEquals(data.length, again.length);
      for (int i = 0; i < data.length; i++) {
        assertEquals(data[i], again[i], "byte " + i + " after re-encoding");
      }
    }
  }

  @FuzzTest(maxDuration = "10s")
  void decodeReply_anyBytes_replyOrNamedRejection(byte[] data) {
    // the first byte picks the decoder, so one corpus covers both reply kinds
    if (data.length == 0) {
      return;
    }
    boolean stats = (data[0] & 1) != 0;
    int len = data.length - 1;
    try {
      if (stats) {
        StatsReply s = QueryCodec.decodeStatsReply(data, 1, len);
        assertNotNull(s.result());
        assertNotNull(s.text());
      } else {
        QueryReply q = QueryCodec.decodeReply(data, 1, len);
        assertNotNull(q.result());
        assertTrue(q.records().size() <= q.totalMatches(), "more records than the total");
        byte[] out = new byte[Protocol.MAX_DATAGRAM_BYTES];
        int n = QueryCodec.encodeReply(q, out, out.length);
        assertEquals(len, n, "re-encoded reply size");
      }
    } catch (ProtocolException e) {
      assertNotNull(e.reason(), "rejection without a reason");
    }
  }
}
