package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.TimestampPrecision;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

/** Locates the shared capture corpus and reads capture files with pcap4j, for tests. */
final class CorpusFiles {
  private static final String CORPUS = "../shared/corpus/tcpdump-tests";
  private static final int MAX_RECORDS = 1_000_000;
  private static final int PCAP_MICRO = 0xa1b2c3d4;
  private static final int PCAP_NANO = 0xa1b23c4d;

  private CorpusFiles() {}

  /** One captured frame: its bytes, wire length and timestamp. */
  record Frame(byte[] data, int wireLength, long timestampNanos) {}

  /**
   * All frames of one file. {@code refused} counts records pcap4j would not hand over (it throws
   * on a sub-second timestamp field that is out of range).
   */
  record Capture(int linkType, List<Frame> frames, int refused) {}

  /** Returns the corpus directory, or skips the calling test when it is absent. */
  static Path corpusDir() {
    Path dir = findCorpus();
    assumeTrue(dir != null, "capture corpus not found (" + CORPUS + " from the repository root)"
        + "; corpus tests skipped");
    return dir;
  }

  /** Returns one corpus file, skipping the calling test when the corpus is absent. */
  static Path corpusFile(String name) {
    Path file = corpusDir().resolve(name);
    assumeTrue(Files.isRegularFile(file), "corpus file missing: " + file);
    return file;
  }

  /** Lists every pcap and pcapng file of the corpus, sorted by name. */
  static List<Path> allCaptures() throws IOException {
    try (Stream<Path> s = Files.list(corpusDir())) {
      return s.filter(p -> {
        String n = p.getFileName().toString();
        return n.endsWith(".pcap") || n.endsWith(".pcapng");
      }).sorted().collect(Collectors.toList());
    }
  }

  private static Path findCorpus() {
    String root = System.getProperty("trackpeer.root");
    if (root != null && !root.isEmpty()) {
      Path p = Paths.get(root).resolve(CORPUS).normalize();
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path p = d.resolve(CORPUS).normalize();
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    return null;
  }

  /** Reads every frame of a capture file with nanosecond timestamps. */
  static Capture read(Path file) throws PcapNativeException, NotOpenException {
    PcapHandle handle = Pcaps.openOffline(file.toString(), TimestampPrecision.NANO);
    try {
      int linkType = handle.getDlt().value();
      boolean classic = isClassicPcap(file);
      List<Frame> frames = new ArrayList<>();
      int refused = 0;
      for (int attempts = 0; attempts < MAX_RECORDS; attempts++) {
        byte[] data;
        try {
          data = handle.getNextRawPacketEx();
        } catch (EOFException e) {
          break;
        } catch (TimeoutException e) {
          throw new IllegalStateException("offline read timed out: " + file, e);
        } catch (IllegalArgumentException e) {
          refused++;
          continue;
        }
        long nanos = CaptureTimestamps.toNanos(handle.getTimestamp(), classic);
        frames.add(new Frame(data, handle.getOriginalLength(), nanos));
      }
      return new Capture(linkType, frames, refused);
    } finally {
      handle.close();
    }
  }

  /** True for a classic pcap file (32-bit seconds), false for pcapng. */
  static boolean isClassicPcap(Path file) {
    byte[] magic = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      if (in.readNBytes(magic, 0, 4) < 4) {
        return false;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int be = ByteBuffer.wrap(magic).getInt();
    int le = Integer.reverseBytes(be);
    return be == PCAP_MICRO || be == PCAP_NANO || le == PCAP_MICRO || le == PCAP_NANO;
  }
}
