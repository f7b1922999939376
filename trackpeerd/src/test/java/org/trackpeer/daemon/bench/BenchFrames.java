package org.trackpeer.daemon.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Frames from {@link BenchCapture} held in memory, for the JMH benchmarks. */
final class BenchFrames {
  private BenchFrames() {}

  /** Returns {@code count} frames of the realistic mix or the SYN flood, seeded. */
  static List<byte[]> generate(long seed, int count, boolean synFlood, double ipv6Share) {
    BenchCapture g = new BenchCapture();
    g.seed = seed;
    g.frames = count;
    g.synFlood = synFlood;
    g.ipv6Share = ipv6Share;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      g.write(bytes);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    b.position(24);
    List<byte[]> frames = new ArrayList<>(count);
    while (b.remaining() >= 16) {
      b.getInt();
      b.getInt();
      int cap = b.getInt();
      b.getInt();
      byte[] f = new byte[cap];
      b.get(f);
      frames.add(f);
    }
    return frames;
  }
}
