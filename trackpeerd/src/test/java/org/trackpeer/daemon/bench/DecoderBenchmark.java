package org.trackpeer.daemon.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.trackpeer.daemon.capture.DecodeOutcome;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.daemon.capture.FrameDecoder;

/** Time to decode one Ethernet frame, cycling over 4096 generated frames. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecoderBenchmark {
  /** "mix" for the realistic mix, "syn" for the SYN flood. */
  @Param({"mix", "syn"})
  public String traffic;

  private byte[][] frames;
  private final FrameDecoder decoder = new FrameDecoder(1);
  private final DecodedFrame out = new DecodedFrame();
  private int next;

  /** Builds the frames. */
  @Setup
  public void setUp() {
    List<byte[]> list = BenchFrames.generate(7, 4096, traffic.equals("syn"), 0.2);
    frames = list.toArray(new byte[0][]);
  }

  /** Decodes the next frame. */
  @Benchmark
  public DecodeOutcome decode() {
    byte[] f = frames[next++ & 4095];
    return decoder.decode(f, 0, f.length, f.length, 1_000_000_000L, out);
  }
}
