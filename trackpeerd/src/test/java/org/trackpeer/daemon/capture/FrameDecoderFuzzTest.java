package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target for {@link FrameDecoder}. The first input byte picks the link type, the rest is
 * the frame. A plain {@code mvn test} replays the committed inputs under
 * {@code FrameDecoderFuzzTestInputs/}; {@code bin/fuzz} runs it for a bounded time.
 */
final class FrameDecoderFuzzTest {
  private static final int[] LINK_TYPES = {
    FrameDecoder.DLT_EN10MB,
    FrameDecoder.DLT_LINUX_SLL,
    FrameDecoder.DLT_LINUX_SLL2,
    FrameDecoder.DLT_RAW,
    FrameDecoder.LINKTYPE_RAW,
    FrameDecoder.DLT_NULL,
  };

  private final DecodedFrame frame = new DecodedFrame();

  @FuzzTest(maxDuration = "10s")
  void decode_anyFrameAnyLinkType_namedOutcomeInBounds(byte[] data) {
    if (data.length == 0) {
      return;
    }
    int linkType = LINK_TYPES[(data[0] & 0xff) % LINK_TYPES.length];
    FrameDecoder decoder = new FrameDecoder(linkType);
    DecodeCounters counters = new DecodeCounters();
    int capLen = data.length - 1;
    // the frame at offset 1, and the same frame cut at every fourth byte
    for (int len = capLen; len >= 0; len = len == 0 ? -1 : Math.max(0, len - 4)) {
      DecodeOutcome o = decoder.decode(data, 1, len, capLen, 1_700_000_000_000_000_000L, frame);
      assertNotNull(o, "no outcome");
      counters.count(o);
      assertTrue(o != DecodeOutcome.UNSUPPORTED_LINK && o != DecodeOutcome.INVALID_ARGUMENT,
          "outcome " + o + " for a supported link type and a valid range");
      if (o == DecodeOutcome.FLOW) {
        assertTrue(frame.hasPorts, "FLOW without ports");
        assertTrue(frame.ipVersion == 4 || frame.ipVersion == 6, "FLOW without IP");
        assertTrue(frame.protocol == 6 || frame.protocol == 17, "FLOW of protocol "
            + frame.protocol);
      } else {
        assertTrue(!frame.hasPorts, o + " with ports");
      }
      if (frame.payloadOffset >= 0) {
        assertTrue(frame.payloadOffset + frame.payloadLength <= len,
            "payload beyond the captured bytes");
      }
      assertTrue(frame.srcPort >= 0 && frame.srcPort <= 0xffff);
      assertTrue(frame.dstPort >= 0 && frame.dstPort <= 0xffff);
      assertTrue(frame.vlan >= DecodedFrame.NO_VLAN && frame.vlan <= 4095);
    }
    long frames = 0;
    for (DecodeOutcome o : DecodeOutcome.values()) {
      frames += counters.get(o);
    }
    assertEquals(counters.total(), frames, "outcome counters do not sum to the frames");
  }
}
