package org.trackpeer.client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.ResultCode;

/**
 * Runs {@link Trackpeer#main} once on the common query command line against a stand-in agent
 * on an ephemeral loopback port, printing nothing, so that the launchers can record the
 * classes of the whole query path (parsing, the exchange, decoding and printing the answer) in
 * a class data archive with {@code -XX:ArchiveClassesAtExit}. Not part of the command.
 */
public final class ArchiveTraining {
  private ArchiveTraining() {}

  /** Answers one query of its own and exits with the command's status (0 when answered). */
  public static void main(String[] args) throws IOException {
    DatagramSocket agent =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread answering = new Thread(() -> answerOne(agent), "training-agent");
    answering.setDaemon(true);
    answering.start();
    PrintStream none = new PrintStream(OutputStream.nullOutputStream());
    System.setOut(none);
    System.setErr(none);
    Trackpeer.main(new String[] {
      "-a", "127.0.0.1:" + agent.getLocalPort(), "-s", "192.0.2.1:40000",
      "-dst", "198.51.100.1:443", "-time", "1700000000", "--timeout", "5000"
    });
  }

  private static void answerOne(DatagramSocket socket) {
    byte[] buf = new byte[Protocol.MAX_DATAGRAM_BYTES + 1];
    DatagramPacket in = new DatagramPacket(buf, buf.length);
    try {
      socket.receive(in);
      DecodedRequest request = QueryCodec.decodeRequest(buf, 0, in.getLength());
      PeerRecord peer = new PeerRecord(MacAddress.parse("02:00:5e:00:00:01"),
          Endpoint.parseAddress("10.0.0.2"), 40000, Endpoint.parseAddress("198.51.100.1"), 443,
          -1, "eth0", 1_700_000_000_000_000_000L, 1_700_000_000_000_000_000L);
      QueryReply reply = new QueryReply(request.requestId(), ResultCode.FOUND,
          Evidence.PORT_MATCH, 1, false, List.of(peer));
      byte[] out = new byte[Protocol.MAX_DATAGRAM_BYTES];
      int n = QueryCodec.encodeReply(reply, out, out.length);
      socket.send(new DatagramPacket(out, n, in.getSocketAddress()));
    } catch (IOException | ProtocolException e) {
      // the command then reports no answer: the archive only lacks the answer's classes
    }
  }
}
