package org.trackpeer.lab;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.trackpeer.proto.Protocol;

/**
 * A small UDP program the query-port scenario runs inside a namespace, where the test's own
 * JVM cannot send from.
 *
 * <ul>
 *   <li>{@code exchange FILE HOST PORT}: FILE holds lines {@code SOURCE HEX WAIT_MS}; each
 *       datagram is sent from SOURCE to HOST:PORT in turn, from a socket of its own so that
 *       a late reply is never taken for the next one's, and the first datagram back from
 *       HOST:PORT within WAIT_MS is printed as hex, or {@code -} when none came.
 * </ul>
 */
final class UdpPeer {
  private static final int LINES_MAX = 5000;
  private static final int WAIT_MAX_MILLIS = 5000;

  private UdpPeer() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 4 && args[0].equals("exchange")) {
      exchange(Path.of(args[1]),
          new InetSocketAddress(InetAddress.getByName(args[2]), Integer.parseInt(args[3])));
    } else {
      System.err.println("usage: exchange FILE HOST PORT");
      System.exit(64);
    }
  }

  private static void exchange(Path file, InetSocketAddress agent) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    if (lines.size() > LINES_MAX) {
      throw new IllegalArgumentException("more than " + LINES_MAX + " lines");
    }
    byte[] buf = new byte[Protocol.MAX_DATAGRAM_BYTES + 1];
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      String[] parts = line.split(" ");
      int waitMillis = Integer.parseInt(parts[2]);
      if (waitMillis < 1 || waitMillis > WAIT_MAX_MILLIS) {
        throw new IllegalArgumentException("wait 1-" + WAIT_MAX_MILLIS + " ms: " + waitMillis);
      }
      byte[] datagram = HexFormat.of().parseHex(parts[1]);
      try (DatagramSocket s =
          new DatagramSocket(new InetSocketAddress(InetAddress.getByName(parts[0]), 0))) {
        s.send(new DatagramPacket(datagram, datagram.length, agent));
        byte[] reply = receive(s, buf, agent, waitMillis);
        out.append(reply == null ? "-" : HexFormat.of().formatHex(reply)).append('\n');
      }
    }
    System.out.print(out);
  }

  /** Returns the first datagram from {@code from} within the wait, or null. */
  private static byte[] receive(
      DatagramSocket s, byte[] buf, InetSocketAddress from, int waitMillis) throws IOException {
    long deadline = System.nanoTime() + waitMillis * 1_000_000L;
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return null;
      }
      s.setSoTimeout((int) left);
      p.setLength(buf.length);
      try {
        s.receive(p);
      } catch (SocketTimeoutException e) {
        return null;
      }
      if (from.equals(p.getSocketAddress())) {
        return Arrays.copyOfRange(buf, p.getOffset(), p.getOffset() + p.getLength());
      }
    }
  }
}
