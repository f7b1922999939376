package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs every frame of the shared capture corpus through the decoder. */
final class FrameDecoderCorpusTest {

  @Test
  void decode_everyCorpusFrame_countedOnceWithoutException() throws Exception {
    List<Path> files = CorpusFiles.allCaptures();
    assertTrue(files.size() >= 40, "expected the whole corpus, found " + files.size());
    DecodeCounters all = new DecodeCounters();
    DecodedFrame out = new DecodedFrame();
    long frames = 0;
    List<String> report = new ArrayList<>();
    for (Path file : files) {
      CorpusFiles.Capture capture = CorpusFiles.read(file);
      FrameDecoder decoder = new FrameDecoder(capture.linkType());
      DecodeCounters counters = new DecodeCounters();
      for (CorpusFiles.Frame f : capture.frames()) {
        DecodeOutcome outcome = decoder.decode(
            f.data(), 0, f.data().length, f.wireLength(), f.timestampNanos(), out);
        counters.count(outcome);
        all.count(outcome);
        assertEquals(f.timestampNanos(), out.timestampNanos, file.getFileName().toString());
        assertEquals(f.wireLength(), out.wireLength, file.getFileName().toString());
        if (outcome == DecodeOutcome.FLOW) {
          assertTrue(out.hasPorts && out.ipVersion != 0, file.getFileName().toString());
        }
      }
      assertEquals(capture.frames().size(), counters.total(), file.getFileName().toString());
      frames += capture.frames().size();
      report.add(file.getFileName() + " dlt=" + capture.linkType() + " frames="
          + capture.frames().size() + " refused=" + capture.refused() + " " + counters);
    }
    assertEquals(frames, all.total());
    // A few outcomes the corpus is known to contain; each must have been reached.
    for (DecodeOutcome o : new DecodeOutcome[] {
        DecodeOutcome.FLOW, DecodeOutcome.IP_NO_PORTS, DecodeOutcome.NOT_IP,
        DecodeOutcome.UNSUPPORTED_LINK, DecodeOutcome.TRUNCATED_IP,
        DecodeOutcome.BAD_IP_VERSION, DecodeOutcome.BAD_IPV4_HEADER_LENGTH}) {
      assertTrue(all.get(o) > 0, o + " never reached: " + report);
    }
    System.out.println(String.join("\n", report));
  }

  @Test
  void read_invalidTimestampFiles_pcap4jRefusesOnlyBadRecords() throws Exception {
    // pcap4j throws on a sub-second field >= 1e9 (nanosecond files); the reader counts those.
    CorpusFiles.Capture nano =
        CorpusFiles.read(CorpusFiles.corpusFile("timestamp_invalid_nano.pcap"));
    assertEquals(3, nano.frames().size() + nano.refused());
  }
}
