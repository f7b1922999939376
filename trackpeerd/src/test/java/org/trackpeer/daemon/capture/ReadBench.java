package org.trackpeer.daemon.capture;

import java.nio.file.Path;

/** Bare read rate of {@link PcapHandle} over a capture file: the ceiling for ingest. */
public final class ReadBench {
  private ReadBench() {}

  /** Reads {@code file} to its end, copying each frame and nothing else; frames per second. */
  public static double rate(Path file) throws CaptureException {
    long frames = 0;
    long t0 = System.nanoTime();
    try (PcapHandle h = PcapHandle.openFile(file)) {
      while (h.next() == PcapHandle.FRAME) {
        frames++;
      }
    }
    return frames * 1e9 / (System.nanoTime() - t0);
  }
}
