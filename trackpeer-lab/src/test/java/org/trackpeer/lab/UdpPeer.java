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
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.ResultCode;

/**
 * A small UDP program the query-port scenario runs inside a namespace, where the test's own
 * JVM cannot send from.
 *
 * <ul>
 *   <li>{@code exchange FILE HOST PORT}: FILE holds lines {@code SOURCE HEX WAIT_MS}; each
 *       datagram is sent from SOURCE to HOST:PORT in turn, from a socket of its own so that
 *       a late reply is never taken for the next one's, and the first datagram back from
 *       HOST:PORT within WAIT_MS is printed as hex, or {@code -} when none came.
 *   <li>{@code forge HOST PORT KEYFILE MODE...}: poses as an agent on HOST:PORT and answers one
 *       authenticated query per MODE with a found reply naming {@link #FORGED_MAC}: {@code
 *       signed} seals it as the agent would, {@code bad-mac} with one bit of its MAC flipped,
 *       {@code unsigned} without a MAC, {@code other-nonce} with a MAC over another request's
 *       nonce. Prints {@code listening} once bound; gives up after 30 s.
 * </ul>
 */
final class UdpPeer {
  /** The MAC the forged replies name. */
  static final String FORGED_MAC = "02:00:5e:00:66:66";

  private static final int LINES_MAX = 5000;
  private static final int WAIT_MAX_MILLIS = 5000;
  private static final int FORGE_LIMIT_MILLIS = 30_000;

  private UdpPeer() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 4 && args[0].equals("exchange")) {
      exchange(Path.of(args[1]),
          new InetSocketAddress(InetAddress.getByName(args[2]), Integer.parseInt(args[3])));
    } else if (args.length >= 5 && args[0].equals("forge")) {
      forge(new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2])),
          Auth.readKeyFile(Path.of(args[3])).values().iterator().next(),
          Arrays.asList(args).subList(4, args.length));
    } else {
      System.err.println(
          "usage: exchange FILE HOST PORT | forge HOST PORT KEYFILE MODE...");
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

  private static void forge(InetSocketAddress bind, Auth.Key key, List<String> modes)
      throws IOException, ProtocolException {
    long deadline = System.nanoTime() + FORGE_LIMIT_MILLIS * 1_000_000L;
    try (DatagramSocket s = new DatagramSocket(bind)) {
      System.out.println("listening");
      System.out.flush();
      byte[] buf = new byte[Protocol.MAX_DATAGRAM_BYTES + 1];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      for (String mode : modes) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return;
        }
        s.setSoTimeout((int) left);
        p.setLength(buf.length);
        s.receive(p);
        byte[] reply = forgedReply(buf, p.getLength(), key, mode);
        s.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
        System.out.println("answered " + mode);
        System.out.flush();
      }
    }
  }

  /** A found reply naming the forged MAC, sealed (or not) as {@code mode} says. */
  private static byte[] forgedReply(byte[] request, int len, Auth.Key key, String mode)
      throws ProtocolException {
    DecodedRequest req = QueryCodec.decodeRequest(request, 0, len);
    int noncePos = QueryCodec.requestFieldsSize(req) + Auth.KEY_ID_SIZE + Auth.TIME_SIZE;
    byte[] nonce = Arrays.copyOfRange(request, noncePos, noncePos + Auth.NONCE_SIZE);
    PeerRecord forged = new PeerRecord(MacAddress.parse(FORGED_MAC),
        req.query().source().address(), req.query().source().port(),
        req.query().destination().address(), req.query().destination().port(), -1, "lan0",
        System.currentTimeMillis() * 1_000_000L, System.currentTimeMillis() * 1_000_000L);
    QueryReply reply = new QueryReply(req.requestId(), ResultCode.FOUND, Evidence.FIVE_TUPLE, 1,
        false, List.of(forged));
    byte[] out = new byte[Protocol.MAX_DATAGRAM_BYTES];
    int n = QueryCodec.encodeReply(reply, out, len - Auth.MAC_SIZE);
    switch (mode) {
      case "signed":
        n = Auth.sealReply(out, n, key, nonce);
        break;
      case "bad-mac":
        n = Auth.sealReply(out, n, key, nonce);
        out[n - 1] ^= 1;
        break;
      case "other-nonce":
        nonce[0] ^= 1;
        n = Auth.sealReply(out, n, key, nonce);
        break;
      case "unsigned":
        break;
      default:
        throw new IllegalArgumentException("unknown mode " + mode);
    }
    return Arrays.copyOf(out, n);
  }
}
