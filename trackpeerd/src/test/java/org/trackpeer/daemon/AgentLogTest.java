package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * A short in-process run (replay a capture file of two flows, answer a query for each and a
 * junk datagram, stop) logs nothing at INFO or above that names a MAC address, or an address
 * or address:port of those flows; at DEBUG the same run does name them, so the check cannot
 * pass for want of anything to find.
 */
final class AgentLogTest {
  private static final Pattern MAC =
      Pattern.compile("(?i)\\b[0-9a-f]{2}([:-])[0-9a-f]{2}(\\1[0-9a-f]{2}){4}\\b");
  private static final long WHEN = 1_700_000_000L;
  private static final String V4_SRC = "192.0.2.11";
  private static final String V4_DST = "203.0.113.10";
  private static final String V6_SRC = "2001:db8:1::12";
  private static final String V6_DST = "2001:db8:2::10";
  /** The flows' addresses as log lines could spell them (InetAddress prints IPv6 in full). */
  private static final List<String> FLOW_ADDRESSES = List.of(V4_SRC, V4_DST, V6_SRC, V6_DST,
      "2001:db8:1:0:0:0:0:12", "2001:db8:2:0:0:0:0:10");
  /** The flows' endpoints as address:port. */
  private static final List<String> FLOW_TUPLES = List.of(V4_SRC + ":40000", V4_DST + ":443",
      "[" + V6_SRC + "]:50000", "[" + V6_DST + "]:53", "[2001:db8:1:0:0:0:0:12]:50000",
      "[2001:db8:2:0:0:0:0:10]:53");

  /** Keeps the level and formatted message of every event. */
  private static final class Collect extends AppenderBase<ILoggingEvent> {
    final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent e) {
      events.add(e);
    }

    List<String> lines(Predicate<Level> which) {
      List<String> out = new ArrayList<>();
      for (ILoggingEvent e : events) {
        if (which.test(e.getLevel())) {
          out.add(e.getLevel() + " " + e.getFormattedMessage());
        }
      }
      return out;
    }
  }

  @TempDir Path dir;

  private static int freePort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** An Ethernet II header from 02:00:5e:00:01:{@code srcMacLast} to the router, room after. */
  private static ByteBuffer ethernet(int srcMacLast, int type, int length) {
    ByteBuffer b = ByteBuffer.allocate(14 + length);
    b.put(new byte[] {2, 0, 0x5e, 0, 0, (byte) 0xfe, 2, 0, 0x5e, 0, 1, (byte) srcMacLast});
    b.putShort((short) type);
    return b;
  }

  /** 192.0.2.11:40000 -> 203.0.113.10:443 TCP SYN from 02:00:5e:00:01:01. */
  private static byte[] ipv4TcpFrame() throws Exception {
    ByteBuffer b = ethernet(1, 0x0800, 40);
    b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putShort((short) 1).putShort((short) 0)
        .put((byte) 64).put((byte) 6).putShort((short) 0)
        .put(InetAddress.getByName(V4_SRC).getAddress())
        .put(InetAddress.getByName(V4_DST).getAddress());
    b.putShort((short) 40000).putShort((short) 443).putInt(1).putInt(0)
        .put((byte) 0x50).put((byte) 0x02).putShort((short) 64240).putInt(0);
    return b.array();
  }

  /** [2001:db8:1::12]:50000 -> [2001:db8:2::10]:53 UDP from 02:00:5e:00:01:02. */
  private static byte[] ipv6UdpFrame() throws Exception {
    ByteBuffer b = ethernet(2, 0x86dd, 40 + 8);
    b.putInt(0x60000000).putShort((short) 8).put((byte) 17).put((byte) 64)
        .put(InetAddress.getByName(V6_SRC).getAddress())
        .put(InetAddress.getByName(V6_DST).getAddress());
    b.putShort((short) 50000).putShort((short) 53).putShort((short) 8).putShort((short) 0);
    return b.array();
  }

  /** Writes a classic pcap file (Ethernet, microseconds) with the frames at {@link #WHEN}. */
  private static void writePcap(Path file, byte[]... frames) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(24 + 200 * frames.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
        .putInt(65535).putInt(1);
    for (int i = 0; i < frames.length; i++) {
      b.putInt((int) WHEN).putInt(1000 * (i + 1)).putInt(frames[i].length)
          .putInt(frames[i].length).put(frames[i]);
    }
    Files.write(file, Arrays.copyOf(b.array(), b.position()));
  }

  private static byte[] query(long id, int protocol, String src, String dst) {
    return QueryCodec.encodeRequest(new QueryRequest(id, protocol, Endpoint.parse(src, true),
        Endpoint.parse(dst, true), WHEN, 5, 0), 512);
  }

  @Test
  void agent_shortReplayRunAtInfo_logsNoMacAddressOrFlowTuple() throws Exception {
    Samples.assertPatternWorks(MAC);
    Path capture = dir.resolve("two-flows.pcap");
    writePcap(capture, ipv4TcpFrame(), ipv6UdpFrame());
    int port = freePort();
    DaemonConfig config =
        new DaemonConfig.Raw()
            .set("read-file", capture.toString(), "test")
            .set("listen", "127.0.0.1", "test")
            .set("port", Integer.toString(port), "test")
            .validate();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    Collect collect = new Collect();
    collect.start();
    root.addAppender(collect);
    root.setLevel(Level.DEBUG);
    Agent agent = new Agent(config);
    List<ResultCode> results = new ArrayList<>();
    try {
      agent.bind();
      agent.startCapture(List.of());
      agent.startServing();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!agent.filesRead() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertTrue(agent.filesRead(), "capture file not read within 10 s");
      try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        s.setSoTimeout(2000);
        InetAddress lo = InetAddress.getLoopbackAddress();
        byte[] junk = "TP junk datagram that is no request".getBytes("US-ASCII");
        for (byte[] q : List.of(
            query(1, QueryRequest.TCP, V4_SRC + ":40000", V4_DST + ":443"),
            query(2, QueryRequest.UDP, "[" + V6_SRC + "]:50000", "[" + V6_DST + "]:53"),
            junk)) {
          s.send(new DatagramPacket(q, q.length, lo, port));
          byte[] in = new byte[1500];
          DatagramPacket p = new DatagramPacket(in, in.length);
          s.receive(p);
          if (q != junk) {
            results.add(QueryCodec.decodeReply(in, 0, p.getLength()).result());
          }
        }
      }
      LoggerFactory.getLogger(AgentLogTest.class).info("stopping: {}", agent.summary());
    } finally {
      agent.close();
      root.detachAppender(collect);
      root.setLevel(before);
    }
    assertEquals(List.of(ResultCode.FOUND, ResultCode.FOUND), results);
    List<String> info = collect.lines(l -> l.isGreaterOrEqual(Level.INFO));
    assertFalse(info.isEmpty(), "nothing logged at INFO: the check saw nothing");
    for (String line : info) {
      assertFalse(MAC.matcher(line).find(), "MAC address in a log line: " + line);
      for (String a : FLOW_ADDRESSES) {
        assertFalse(line.contains(a), "flow address " + a + " in a log line: " + line);
      }
      for (String t : FLOW_TUPLES) {
        assertFalse(line.contains(t), "flow tuple " + t + " in a log line: " + line);
      }
    }
    // The same run at DEBUG names the flows: what INFO leaves out is there to be left out.
    String debug = String.join("\n", collect.lines(Level.DEBUG::equals));
    assertTrue(debug.contains(V4_SRC + ":40000"), debug);
    assertTrue(debug.contains("[2001:db8:1:0:0:0:0:12]:50000"), debug);
  }

  /** Guards the patterns themselves, so a broken one cannot pass the test vacuously. */
  private static final class Samples {
    static void assertPatternWorks(Pattern p) {
      assertTrue(p.matcher("from 02:00:5e:00:01:01 seen").find());
      assertTrue(p.matcher("from 02-00-5E-00-01-01 seen").find());
      assertFalse(p.matcher("at 12:34:56 on port 7709").find());
    }
  }
}
