package org.trackpeer.daemon;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.RawPacketListener;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.capture.CaptureLoop;

/**
 * Compares the agent's file ingest (libpcap read, decode, cache insert and expiry on one
 * thread) with pcap4j's bare {@code loop()} over the same file, in one process.
 *
 * <p>Runs are interleaved (pcap4j, ours, pcap4j, ours, ...) after one warm-up of each, so both
 * see the same page cache, JIT state and machine load. Prints one line per run and a summary
 * line {@code ingest FILE pcap4j=MEDIAN ours=MEDIAN ratio=R} with rates in frames per second.
 *
 * <p>Usage: {@code IngestBench FILE [RUNS]}
 */
public final class IngestBench {
  private IngestBench() {}

  /** Runs the comparison. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    pcap4jLoop(file);
    ours(file);
    double[] base = new double[runs];
    double[] mine = new double[runs];
    double[] ratio = new double[runs];
    for (int i = 0; i < runs; i++) {
      base[i] = pcap4jLoop(file);
      mine[i] = ours(file);
      ratio[i] = mine[i] / base[i];
      System.out.printf("run %d pcap4j=%.0f ours=%.0f ratio=%.2f%n", i, base[i], mine[i], ratio[i]);
    }
    System.out.printf(
        "ingest %s pcap4j=%s ours=%s ratio=%s%n",
        file.getFileName(), summary(base, "%.0f"), summary(mine, "%.0f"), summary(ratio, "%.2f"));
  }

  /** Returns "median (min-max)" of {@code v}. */
  static String summary(double[] v, String fmt) {
    double[] s = v.clone();
    Arrays.sort(s);
    double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return String.format(fmt + " (" + fmt + "-" + fmt + ")", median, s[0], s[s.length - 1]);
  }

  private static double pcap4jLoop(Path file) throws Exception {
    long[] count = new long[1];
    RawPacketListener listener = packet -> count[0]++;
    long t0 = System.nanoTime();
    PcapHandle h =
        Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO);
    try {
      h.loop(-1, listener);
    } finally {
      h.close();
    }
    long t1 = System.nanoTime();
    return count[0] * 1e9 / (t1 - t0);
  }

  private static double ours(Path file) {
    AgentClock clock = AgentClock.replay();
    FlowCache cache = new FlowCache(CacheConfig.defaults(), clock);
    int idx = cache.registerInterface(file.getFileName().toString().replaceAll("\\W", "")
        .substring(0, Math.min(15, file.getFileName().toString().replaceAll("\\W", "").length())));
    Ingest ingest = new Ingest(cache, new LocalAddresses(List.of(), List.of()), clock);
    CaptureLoop loop =
        CaptureLoop.file(file, idx, new CaptureLoop.Settings(262144, 1 << 24, 20, null), ingest);
    long t0 = System.nanoTime();
    loop.run();
    long t1 = System.nanoTime();
    if (!loop.finished() || loop.framesSeen() == 0) {
      throw new IllegalStateException("capture loop read nothing from " + file);
    }
    return loop.framesSeen() * 1e9 / (t1 - t0);
  }
}
