package org.trackpeer.client;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;

/**
 * A stand-in agent on 127.0.0.1: a real UDP socket on an ephemeral port whose answers the test
 * scripts. Every request it receives is decoded and kept for the test to inspect.
 */
final class FakeAgent implements AutoCloseable {
  /** One datagram to send back, from the agent's socket or from a second, foreign one. */
  record Answer(byte[] bytes, boolean fromForeignSocket) {}

  /** Chooses the answers to the n-th request (counting from 0). */
  interface Script {
    List<Answer> answer(DecodedRequest request, int n);
  }

  private final DatagramSocket socket;
  private final DatagramSocket foreign;
  private final Script script;
  private final Thread thread;
  private final List<DecodedRequest> requests = new ArrayList<>();
  private final List<byte[]> rawRequests = new ArrayList<>();
  private final Auth.Key sealWith;

  FakeAgent(Script script) throws SocketException {
    this(script, null);
  }

  /** An agent that appends a reply MAC made with {@code sealWith} to every answer. */
  FakeAgent(Script script, Auth.Key sealWith) throws SocketException {
    this.sealWith = sealWith;
    InetAddress loopback = InetAddress.getLoopbackAddress();
    this.socket = new DatagramSocket(new InetSocketAddress(loopback, 0));
    this.foreign = new DatagramSocket(new InetSocketAddress(loopback, 0));
    this.script = script;
    this.thread = new Thread(this::serve, "fake-agent");
    thread.setDaemon(true);
    thread.start();
  }

  /** Answers every request with the query reply built for it. */
  static Script replying(java.util.function.LongFunction<QueryReply> reply) {
    return (request, n) -> List.of(new Answer(encode(reply.apply(request.requestId())), false));
  }

  static byte[] encode(QueryReply reply) {
    byte[] out = new byte[Protocol.MAX_DATAGRAM_BYTES];
    return Arrays.copyOf(out, QueryCodec.encodeReply(reply, out, out.length));
  }

  int port() {
    return socket.getLocalPort();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  synchronized List<byte[]> rawRequests() {
    return new ArrayList<>(rawRequests);
  }

  synchronized List<DecodedRequest> requests() {
    return new ArrayList<>(requests);
  }

  private void serve() {
    byte[] buf = new byte[Protocol.MAX_DATAGRAM_BYTES + 1];
    DatagramPacket in = new DatagramPacket(buf, buf.length);
    try {
      while (true) {
        in.setLength(buf.length);
        socket.receive(in);
        DecodedRequest request;
        try {
          request = QueryCodec.decodeRequest(buf, 0, in.getLength());
        } catch (ProtocolException e) {
          continue;
        }
        int n;
        synchronized (this) {
          requests.add(request);
          rawRequests.add(Arrays.copyOf(buf, in.getLength()));
          n = requests.size() - 1;
        }
        for (Answer a : script.answer(request, n)) {
          DatagramSocket from = a.fromForeignSocket() ? foreign : socket;
          byte[] bytes = a.bytes();
          if (sealWith != null) {
            int at = QueryCodec.requestFieldsSize(request) + Auth.KEY_ID_SIZE + Auth.TIME_SIZE;
            byte[] nonce = Arrays.copyOfRange(buf, at, at + Auth.NONCE_SIZE);
            bytes = Arrays.copyOf(bytes, bytes.length + Auth.MAC_SIZE);
            Auth.sealReply(bytes, a.bytes().length, sealWith, nonce);
          }
          from.send(new DatagramPacket(bytes, bytes.length, in.getSocketAddress()));
        }
      }
    } catch (IOException e) {
      // the socket was closed: the test is over
    }
  }

  @Override
  public void close() throws InterruptedException {
    socket.close();
    foreign.close();
    thread.join(5000);
  }
}
