package org.trackpeer.daemon;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.RawPacketListener;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.capture.CaptureLoop;
import org.trackpeer.daemon.capture.ReadBench;

/**
 * Compares the agent's file ingest (libpcap read, decode, cache insert and expiry on one
 * thread) with pcap4j's bare {@code loop()} over the same file, in one process.
 *
 * <p>Runs are interleaved (pcap4j, ours, pcap4j, ours, ...) after one warm-up of each, so both
 * see the same page cache, JIT state and machine load. Prints one line per run and a summary
 * lines {@code ingest FILE ... ratio=R}: rates in frames per wall-clock second, and in frames
 * per second of the thread's own CPU time, which a busy shared machine disturbs less.
 *
 * <p>Usage: {@code IngestBench FILE [RUNS]}
 */
public final class IngestBench {
  private IngestBench() {}

  /** Runs the comparison. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    String only = args.length > 2 ? args[2] : "";
    if (!only.isEmpty()) {
      for (int i = 0; i < runs; i++) {
        double r =
            switch (only) {
              case "ours" -> ours(file);
              case "pcap4j" -> pcap4jLoop(file);
              default -> ReadBench.rate(file);
            };
        System.out.printf("run %d %s=%.0f%n", i, only, r);
      }
      return;
    }
    pcap4jLoop(file);
    ours(file);
    ReadBench.rate(file);
    double[] base = new double[runs];
    double[] mine = new double[runs];
    double[] read = new double[runs];
    double[] ratio = new double[runs];
    double[] baseCpu = new double[runs];
    double[] mineCpu = new double[runs];
    double[] ratioCpu = new double[runs];
    for (int i = 0; i < runs; i++) {
      base[i] = pcap4jLoop(file);
      baseCpu[i] = lastCpuRate;
      mine[i] = ours(file);
      mineCpu[i] = lastCpuRate;
      read[i] = ReadBench.rate(file);
      ratio[i] = mine[i] / base[i];
      ratioCpu[i] = mineCpu[i] / baseCpu[i];
      System.out.printf(
          "run %d wall: pcap4j=%.0f ours=%.0f read-only=%.0f ratio=%.2f;"
              + " per cpu second: pcap4j=%.0f ours=%.0f ratio=%.2f%n",
          i, base[i], mine[i], read[i], ratio[i], baseCpu[i], mineCpu[i], ratioCpu[i]);
    }
    System.out.printf(
        "ingest %s wall: pcap4j=%s ours=%s read-only=%s ratio=%s%n",
        file.getFileName(), summary(base, "%.0f"), summary(mine, "%.0f"),
        summary(read, "%.0f"), summary(ratio, "%.2f"));
    System.out.printf(
        "ingest %s per cpu second: pcap4j=%s ours=%s ratio=%s%n",
        file.getFileName(), summary(baseCpu, "%.0f"), summary(mineCpu, "%.0f"),
        summary(ratioCpu, "%.2f"));
  }

  /** Returns "median (min-max)" of {@code v}. */
  static String summary(double[] v, String fmt) {
    double[] s = v.clone();
    Arrays.sort(s);
    double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return String.format(fmt + " (" + fmt + "-" + fmt + ")", median, s[0], s[s.length - 1]);
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Rate of the last measurement over the thread's CPU time (user and system). */
  private static double lastCpuRate;

  private static double pcap4jLoop(Path file) throws Exception {
    long[] count = new long[1];
    RawPacketListener listener = packet -> count[0]++;
    long c0 = THREADS.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    PcapHandle h =
        Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO);
    try {
      h.loop(-1, listener);
    } finally {
      h.close();
    }
    long t1 = System.nanoTime();
    lastCpuRate = count[0] * 1e9 / (THREADS.getCurrentThreadCpuTime() - c0);
    return count[0] * 1e9 / (t1 - t0);
  }

  private static double ours(Path file) {
    AgentClock clock = AgentClock.replay();
    FlowCache cache = new FlowCache(CacheConfig.defaults(), clock);
    int idx = cache.registerInterface("bench0");
    Ingest ingest = new Ingest(cache, new LocalAddresses(List.of(), List.of()), clock, null);
    CaptureLoop loop =
        CaptureLoop.file(file, idx, new CaptureLoop.Settings(262144, 1 << 24, 20, null, 0, false), ingest);
    long c0 = THREADS.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    loop.run();
    long t1 = System.nanoTime();
    lastCpuRate = loop.framesSeen() * 1e9 / (THREADS.getCurrentThreadCpuTime() - c0);
    if (!loop.finished() || loop.framesSeen() == 0) {
      throw new IllegalStateException("capture loop read nothing from " + file);
    }
    return loop.framesSeen() * 1e9 / (t1 - t0);
  }
}
