package org.trackpeer.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.daemon.query.QueryHandler;
import org.trackpeer.daemon.query.QueryServer;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * Query round trips on loopback against the real query server while another thread records
 * new flows into the same cache at a fixed rate.
 *
 * <p>The queries come from a client in a separate JVM ({@link Client}), as they do from a
 * script on a server: the agent's collector pauses then delay queries already sent, instead
 * of stopping the sender as well, and the client's own allocation stays out of the agent's
 * heap. The client encodes every request before it starts. Its sender is open-loop: it sends
 * at the asked rate whatever the replies do, and a second thread takes the replies and
 * matches them by request id, so a slow reply cannot hide the ones queued behind it. After
 * the load phase, wildcard queries (time 0) are timed one by one against the cache as it then
 * is.
 *
 * <p>The prefilled flows' wall times are spread at {@code PREFILL_PER_SECOND} flows per second,
 * ending at the start of the run, and each query asks for its flow's own second (with the
 * agent's default tolerance of 5 s). At the default 50,000 new flows per second a filled
 * bucket spans about a second, so a query window overlaps about a dozen buckets, as on a busy
 * LAN. {@code PREFILL_PER_SECOND} 0 records every prefilled flow at one instant, so that every
 * bucket overlaps every window: the worst case. The answers are counted by result code, to
 * show how many queries found their flow (the ingest makes the cache evict the prefilled
 * flows once it reaches its cap).
 *
 * <p>The first {@code WARMUP_SECONDS} of queries are sent at the same rate but left out of the
 * figures: they run while the server's code is still being compiled, which a running agent
 * has long done by the time a burst of queries comes.
 *
 * <p>After the prefill, before the server starts, one full collection moves what the prefill
 * left alive (buckets, their sketches, the tables' bookkeeping) to the old generation, as the
 * young collections of an agent that gathered those flows over minutes would have done long
 * before. Without it, the first one or two young collections of the measured run copy about
 * 10 MB of it (9-27 ms each, every query meanwhile waits).
 *
 * <p>{@code ANSWER_FROM} {@code empty} is the baseline for the same machine and moment: the
 * same server, client, prefill and ingest, but the queries are answered from a second cache
 * that holds nothing, so that each answer costs everything but the lookup. Its round trips
 * show how much of the tail the machine and the UDP path make without any lookup.
 *
 * <p>Usage: {@code QueryLoadBench INGEST_PER_SECOND QUERIES_PER_SECOND SECONDS PREFILL
 * [PREFILL_PER_SECOND [ANSWER_FROM]]}; an ingest rate of 0 runs the queries without ingest;
 * {@code ANSWER_FROM} is {@code cache} (the default) or {@code empty}.
 */
public final class QueryLoadBench {
  private static final int PAD_BYTES = 256;

  private QueryLoadBench() {}

  private static final int WARMUP_SECONDS = 2;

  /** Runs the load and prints percentiles in microseconds. */
  public static void main(String[] args) throws Exception {
    long ingestRate = Long.parseLong(args[0]);
    int queryRate = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int prefill = Integer.parseInt(args[3]);
    long spread = args.length > 4 ? Long.parseLong(args[4]) : 50_000;
    String answerFrom = args.length > 5 ? args[5] : "cache";
    if (!answerFrom.equals("cache") && !answerFrom.equals("empty")) {
      throw new IllegalArgumentException("ANSWER_FROM is cache or empty: " + answerFrom);
    }
    AgentClock clock = AgentClock.system();
    FlowCache cache = new FlowCache(CacheConfig.defaults(), clock);
    int idx = cache.registerInterface("bench0");
    long startWall = clock.wallNanos();
    DecodedFrame f = new DecodedFrame();
    for (int i = 0; i < prefill; i++) {
      flow(f, i, prefillWall(startWall, i, prefill, spread));
      cache.record(f, idx);
    }
    // the wildcard target: 100 flows to 203.0.113.99:53, among everything else
    for (int i = 0; i < 100; i++) {
      flow(f, i, startWall);
      f.dstIp4 = 0xcb007163;
      cache.record(f, idx);
    }
    FlowCache answering = answerFrom.equals("empty")
        ? new FlowCache(CacheConfig.defaults(), clock)
        : cache;
    // the prefill made in seconds what an agent gathers over minutes, without one collection
    // in between: its long-lived objects (buckets, sketches, the server's buffers) would be in
    // the old generation by now, not copied by the first collections of the measured run
    System.gc();
    QueryHandler handler = new QueryHandler(answering, clock, a -> false, () -> true,
        new QueryHandler.Settings(CacheConfig.DEFAULT_RETENTION_NANOS, 5, true, 100_000));
    InetAddress lo = InetAddress.getLoopbackAddress();
    // the agent's own listen addresses: IPv4 and, where the host has it, IPv6 loopback (the
    // queries come on the first)
    List<InetAddress> listen = new ArrayList<>(List.of(lo));
    InetAddress lo6 = InetAddress.getByName("::1");
    try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET6)) {
      probe.bind(new InetSocketAddress(lo6, 0));
      listen.add(lo6);
    } catch (IOException | UnsupportedOperationException e) {
      System.out.println("no IPv6 loopback: one listen address");
    }
    QueryServer server = new QueryServer(listen, 0, handler, a -> true, () -> "");
    Thread serverThread = new Thread(server, "query-server");
    serverThread.start();
    int port = server.localPort();

    Thread ingest = new Thread(() -> ingest(cache, idx, ingestRate, prefill), "ingest");
    ingest.setDaemon(true);
    if (ingestRate > 0) {
      ingest.start();
    }

    // the client runs in its own JVM, on this JVM's class path, with a young generation
    // large enough that it never collects during the run
    List<String> command = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-Xms1g", "-Xmn800m",
        "-cp", System.getProperty("java.class.path"),
        Client.class.getName(),
        Integer.toString(port), Integer.toString(queryRate), Integer.toString(seconds),
        Integer.toString(prefill), Long.toString(spread), Long.toString(startWall));
    Process client = new ProcessBuilder(command).redirectErrorStream(true).start();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long serverCpu0 = threads.getThreadCpuTime(serverThread.getId());
    long ingested0 = 0;
    long measured0 = System.nanoTime();
    String queriesLine = null;
    String answersLine = null;
    int answeredCount = 0;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.equals("warm")) {
          // the figures count from the end of the warm-up
          serverCpu0 = threads.getThreadCpuTime(serverThread.getId());
          ingested0 = ingested[0];
          measured0 = System.nanoTime();
        } else if (line.startsWith("queries ")) {
          queriesLine = line;
        } else if (line.startsWith("answers ")) {
          answersLine = line;
          answeredCount = Integer.parseInt(line.replaceAll(".* answered=(\\d+).*", "$1"));
        } else {
          System.out.println("client: " + line);
        }
      }
    }
    long measured = System.nanoTime() - measured0;
    long serverCpu = threads.getThreadCpuTime(serverThread.getId()) - serverCpu0;
    long ingestedDuring = ingested[0] - ingested0;
    if (client.waitFor() != 0 || queriesLine == null || answersLine == null) {
      throw new IllegalStateException("query client failed, exit " + client.exitValue());
    }
    stop = true;
    System.out.printf("%s ingest=%d/s (achieved %.0f/s) answer-from=%s%n", queriesLine,
        ingestRate, ingestedDuring * 1e9 / measured, answerFrom);
    // CPU time of the server thread: what a query costs, whatever else the machine runs
    System.out.printf("%s server-cpu-us-per-answer=%.1f%n",
        answersLine.replaceAll(" answered=\\d+", ""),
        answeredCount == 0 ? 0 : serverCpu / 1e3 / answeredCount);

    if (answering == cache) {
      wildcards(cache, lo, port);
    }
    server.close();
    serverThread.join(2000);
  }

  /** Times wildcard queries (time 0, 100 flows to one server) one by one. */
  private static void wildcards(FlowCache cache, InetAddress lo, int port) throws Exception {
    long[] wild = new long[5];
    InetAddress wildDst = InetAddress.getByName("203.0.113.99");
    try (DatagramChannel wc = DatagramChannel.open()) {
      wc.connect(new InetSocketAddress(lo, port));
      ByteBuffer in = ByteBuffer.allocate(2048);
      for (int k = 0; k < wild.length; k++) {
        QueryRequest r = new QueryRequest(1_000_000 + k, QueryRequest.UDP,
            new Endpoint(InetAddress.getByAddress(ip4(0xc0000202)), 0),
            new Endpoint(wildDst, 53), 0, 0, 0);
        long w0 = System.nanoTime();
        wc.write(ByteBuffer.wrap(QueryCodec.encodeRequest(r, 1400)));
        in.clear();
        wc.read(in);
        wild[k] = System.nanoTime() - w0;
      }
    }
    Arrays.sort(wild);
    System.out.printf("wildcard cache-entries=%d rtt-ms median=%.1f max=%.1f%n",
        cache.stats().entries(), wild[wild.length / 2] / 1e6, wild[wild.length - 1] / 1e6);
  }

  private static volatile boolean stop;
  private static final long[] ingested = new long[1];

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    long v = sorted[(int) Math.min(sorted.length - 1, sorted.length * p)];
    return v == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : v / 1e3;
  }

  private static byte[] ip4(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  /**
   * Wall time of prefilled flow {@code i} of {@code prefill}: spread at {@code perSecond}
   * flows per second, the last at {@code endWall}; all at {@code endWall} when 0.
   */
  private static long prefillWall(long endWall, int i, int prefill, long perSecond) {
    return perSecond == 0 ? endWall : endWall - (prefill - 1L - i) * 1_000_000_000L / perSecond;
  }

  private static void flow(DecodedFrame f, long i, long wallNanos) {
    f.reset();
    f.timestampNanos = wallNanos;
    f.hasSrcMac = true;
    f.srcMac = 0x02005e100000L | (i & 0xFF);
    f.vlan = DecodedFrame.NO_VLAN;
    f.ipVersion = 4;
    f.protocol = 17;
    f.hasPorts = true;
    f.srcIp4 = 0xc0000200 | (int) ((i >>> 16) & 0xFF);
    f.dstIp4 = i < Integer.MAX_VALUE ? 0xcb00710a : 0xcb00710b;
    f.srcPort = (int) (i & 0xFFFF);
    f.dstPort = 53 + (int) (i >>> 24);
  }

  private static void ingest(FlowCache cache, int idx, long rate, long firstFlow) {
    DecodedFrame f = new DecodedFrame();
    long t0 = System.nanoTime();
    long n = 0;
    while (!stop) {
      long wall = System.currentTimeMillis() * 1_000_000L;
      for (int k = 0; k < 256; k++) {
        flow(f, firstFlow + n + k, wall);
        // a different destination than the queried flows: inserts only, no answers changed
        f.dstIp4 = 0xcb007114;
        cache.record(f, idx);
      }
      n += 256;
      ingested[0] = n;
      long due = t0 + n * 1_000_000_000L / rate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  /**
   * The query client: {@code Client PORT QUERIES_PER_SECOND SECONDS PREFILL PREFILL_PER_SECOND
   * END_WALL_NANOS}. Prints "warm" when the warm-up queries are sent, then one line of
   * round-trip percentiles and one of answers by result code.
   */
  public static final class Client {
    private Client() {}

    public static void main(String[] args) throws Exception {
      int port = Integer.parseInt(args[0]);
      int queryRate = Integer.parseInt(args[1]);
      int seconds = Integer.parseInt(args[2]);
      int prefill = Integer.parseInt(args[3]);
      long spread = Long.parseLong(args[4]);
      long startWall = Long.parseLong(args[5]);
      int warm = queryRate * WARMUP_SECONDS;
      int total = warm + queryRate * seconds;
      InetAddress dst = InetAddress.getByName("203.0.113.10");
      // every request encoded before the run, into one array
      byte[] first = encode(0, dst, prefill, spread, startWall);
      int size = first.length;
      byte[] all = new byte[size * total];
      for (int q = 0; q < total; q++) {
        byte[] b = encode(q, dst, prefill, spread, startWall);
        if (b.length != size) {
          throw new IllegalStateException("requests differ in size");
        }
        System.arraycopy(b, 0, all, q * size, size);
      }
      long[] sent = new long[total];
      long[] rtt = new long[total];
      Arrays.fill(rtt, -1);
      int[] results = new int[ResultCode.values().length];
      InetAddress lo = InetAddress.getLoopbackAddress();
      try (DatagramChannel ch = DatagramChannel.open()) {
        // the same receive buffer the agent asks for its query port
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        ch.connect(new InetSocketAddress(lo, port));
        Thread receiver =
            new Thread(() -> receive(ch, sent, rtt, results, warm, total), "receiver");
        receiver.setDaemon(true);
        receiver.start();
        long stepNanos = 1_000_000_000L / queryRate;
        ByteBuffer out = ByteBuffer.wrap(all);
        long t0 = System.nanoTime();
        for (int q = 0; q < total; q++) {
          if (q == warm) {
            System.out.println("warm");
            System.out.flush();
          }
          long due = t0 + q * stepNanos;
          // parks without spinning: on two cores a spinning sender would starve the server;
          // a late wake-up sends the queries that fell due at once
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          out.limit(q * size + size).position(q * size);
          sent[q] = System.nanoTime();
          ch.write(out);
        }
        long elapsed = System.nanoTime() - t0;
        Thread.sleep(500);
        long[] got = Arrays.stream(rtt, warm, total).filter(v -> v >= 0).sorted().toArray();
        // a query never answered counts as infinitely late: the percentiles are of every
        // query sent, and one that falls among the lost prints as Infinity
        long[] sentAll = Arrays.stream(rtt, warm, total).map(v -> v >= 0 ? v : Long.MAX_VALUE)
            .sorted().toArray();
        System.out.printf(
            "queries prefill=%d prefill-spread=%d/s sent=%d answered=%d lost=%d rate=%.0f/s"
                + " rtt-us p50=%.1f p99=%.1f p99.9=%.1f max-answered=%.1f%n",
            prefill, spread, total - warm, got.length, total - warm - got.length,
            total * 1e9 / elapsed, pct(sentAll, 0.5), pct(sentAll, 0.99), pct(sentAll, 0.999),
            got.length == 0 ? 0 : got[got.length - 1] / 1e3);
        StringBuilder answers = new StringBuilder("answers answered=" + got.length);
        for (ResultCode c : ResultCode.values()) {
          if (results[c.ordinal()] > 0) {
            answers.append(' ').append(c.label()).append('=').append(results[c.ordinal()]);
          }
        }
        System.out.println(answers);
      }
    }

    private static byte[] encode(
        int q, InetAddress dst, int prefill, long spread, long startWall) throws Exception {
      int i = (int) ((q * 7919L) % prefill);
      QueryRequest r = new QueryRequest(q, QueryRequest.UDP,
          new Endpoint(InetAddress.getByAddress(ip4(0xc0000200 | ((i >>> 16) & 0xFF))),
              i & 0xFFFF),
          new Endpoint(dst, 53), prefillWall(startWall, i, prefill, spread) / 1_000_000_000L,
          5, 0);
      return QueryCodec.encodeRequest(r, PAD_BYTES);
    }

    private static void receive(
        DatagramChannel ch, long[] sent, long[] rtt, int[] results, int warm, int total) {
      ByteBuffer in = ByteBuffer.allocate(2048);
      try {
        while (true) {
          in.clear();
          ch.read(in);
          long now = System.nanoTime();
          QueryReply r = QueryCodec.decodeReply(in.array(), 0, in.position());
          int id = (int) r.requestId();
          if (id >= 0 && id < total) {
            rtt[id] = now - sent[id];
            if (id >= warm) {
              results[r.result().ordinal()]++;
            }
          }
        }
      } catch (Exception e) {
        // channel closed at the end of the run
      }
    }
  }
}
