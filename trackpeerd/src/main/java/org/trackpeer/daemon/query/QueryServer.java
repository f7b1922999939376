package org.trackpeer.daemon.query;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.ResultCode;

/**
 * The UDP query port: a thread per listening socket receives on it, and the queries, one at a
 * time whichever socket they came on, are checked for who asks, decoded and answered from the
 * address they were asked on.
 *
 * <p>Sources the agent does not allow get a rate-limited {@code refused}; allowed sources are
 * held to per-source and global rates ({@code rate_limited} beyond them, itself rate-limited);
 * with keys configured, requests must authenticate and replies carry a MAC (see {@link
 * QueryGuard}). No reply is larger than its request. A datagram that cannot be decoded is counted under
 * its reason; when its header is readable it gets a short {@code malformed} answer. Nothing a
 * client sends can raise an exception out of the loop.
 */
public final class QueryServer implements Runnable, AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(QueryServer.class);
  private static final int MAX_DATAGRAM_BYTES = 1472;
  /**
   * Receive buffer asked for each query socket. The kernel's default (about 200 KiB) holds
   * only a few hundred small datagrams, so a burst of queries arriving during a pause of the
   * server thread (a collection, a busy core) overflows it; 1 MiB holds several thousand.
   * The kernel caps the request at net.core.rmem_max.
   */
  static final int RECEIVE_BUFFER_BYTES = 1 << 20;

  private final List<DatagramChannel> channels = new ArrayList<>();
  /** Held while a query is answered: one at a time, whichever socket it came on. */
  private final Object answering = new Object();
  private final QueryHandler handler;
  private final QueryGuard guard;
  private final Predicate<InetAddress> allowed;
  private final Supplier<String> statsText;
  private final Map<ResultCode, AtomicLong> answered = new EnumMap<>(ResultCode.class);
  private final Map<ProtocolException.Reason, AtomicLong> rejected =
      new EnumMap<>(ProtocolException.Reason.class);
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong internalErrors = new AtomicLong();
  private volatile boolean running = true;
  private volatile QueryAudit audit;

  /**
   * Binds the query port on every listen address, without rate limits or authentication.
   *
   * @throws IOException naming the address that could not be bound
   */
  public QueryServer(
      List<InetAddress> listen,
      int port,
      QueryHandler handler,
      Predicate<InetAddress> allowed,
      Supplier<String> statsText)
      throws IOException {
    this(listen, port, handler, allowed, statsText, new QueryGuard(
        QueryGuard.Settings.open(), System::nanoTime,
        () -> Math.floorDiv(System.currentTimeMillis(), 1000L)));
  }

  /**
   * Binds the query port on every listen address; {@code guard} applies the rate limits and
   * authentication.
   *
   * @throws IOException naming the address that could not be bound
   */
  public QueryServer(
      List<InetAddress> listen,
      int port,
      QueryHandler handler,
      Predicate<InetAddress> allowed,
      Supplier<String> statsText,
      QueryGuard guard)
      throws IOException {
    this.guard = guard;
    this.handler = handler;
    this.allowed = allowed;
    this.statsText = statsText;
    for (ResultCode c : ResultCode.values()) {
      answered.put(c, new AtomicLong());
    }
    for (ProtocolException.Reason r : ProtocolException.Reason.values()) {
      rejected.put(r, new AtomicLong());
    }
    try {
      for (InetAddress a : listen) {
        DatagramChannel ch = DatagramChannel.open(
            a instanceof java.net.Inet6Address
                ? java.net.StandardProtocolFamily.INET6
                : java.net.StandardProtocolFamily.INET);
        try {
          ch.bind(new InetSocketAddress(a, port));
        } catch (IOException e) {
          ch.close();
          throw new IOException(
              "bind query port " + a.getHostAddress() + " port " + port + ": " + e.getMessage(),
              e);
        }
        ch.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
        channels.add(ch);
      }
      int granted = receiveBufferBytes();
      if (granted > 0 && granted < RECEIVE_BUFFER_BYTES) {
        logger.info("query port receive buffer {} bytes (asked {}; net.core.rmem_max caps it)",
            granted, RECEIVE_BUFFER_BYTES);
      }
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  /** Records every request answered or refused in {@code trail} from now on. */
  public void audit(QueryAudit trail) {
    this.audit = trail;
  }

  /**
   * Returns the smallest receive buffer the kernel granted a query socket, in the units it was
   * asked in (Linux reserves twice that, for its bookkeeping, and {@code ss -m} shows the
   * double); 0 when nothing is bound.
   */
  public int receiveBufferBytes() throws IOException {
    int least = Integer.MAX_VALUE;
    for (DatagramChannel ch : channels) {
      least = Math.min(least, ch.getOption(StandardSocketOptions.SO_RCVBUF));
    }
    return channels.isEmpty() ? 0 : least;
  }

  /** Returns the port actually bound (useful when 0 was asked). */
  public int localPort() throws IOException {
    return ((InetSocketAddress) channels.get(0).getLocalAddress()).getPort();
  }

  /**
   * Reads the sockets until {@link #close}: the first on this thread, each further one on a
   * thread of its own, all in blocking mode (a call to receive a query and one to answer it,
   * where a selector would add a wait for readiness and a last receive that finds nothing for
   * every query that comes alone). Queries are answered one at a time, whichever socket they
   * came on. Returns once every socket is closed.
   */
  @Override
  public void run() {
    if (channels.isEmpty()) {
      return;
    }
    List<Thread> readers = new ArrayList<>();
    String name = Thread.currentThread().getName();
    for (int i = 1; i < channels.size(); i++) {
      DatagramChannel ch = channels.get(i);
      Thread t = new Thread(() -> read(ch), name + "-" + i);
      t.setDaemon(true);
      t.start();
      readers.add(t);
    }
    read(channels.get(0));
    for (Thread t : readers) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Receives and answers queries on {@code ch} until it is closed. */
  private void read(DatagramChannel ch) {
    String where = address(ch);
    ByteBuffer in = ByteBuffer.allocate(MAX_DATAGRAM_BYTES + 1);
    // one buffer for every answer: it wraps the array the answers are encoded into
    ByteBuffer out = ByteBuffer.wrap(new byte[MAX_DATAGRAM_BYTES]);
    while (running) {
      try {
        // blocking: returns a sender, or throws once the socket is closed
        SocketAddress from = receive(ch, in);
        synchronized (answering) {
          serve(ch, (InetSocketAddress) from, in, out);
        }
      } catch (ClosedChannelException e) {
        if (running) {
          internalErrors.incrementAndGet();
          logger.error("query socket {} closed: {}; no more queries on it", where, e.toString());
        }
        return;
      } catch (IOException | RuntimeException e) {
        if (running) {
          internalErrors.incrementAndGet();
          logger.warn("query loop: {}", e.toString());
        }
      }
    }
  }

  private static String address(DatagramChannel ch) {
    try {
      return String.valueOf(ch.getLocalAddress());
    } catch (IOException e) {
      return "?";
    }
  }

  private static SocketAddress receive(DatagramChannel ch, ByteBuffer in) throws IOException {
    in.clear();
    return ch.receive(in);
  }

  private void serve(
      DatagramChannel ch, InetSocketAddress from, ByteBuffer in, ByteBuffer outBuffer) {
    byte[] out = outBuffer.array();
    try {
      int len = in.position();
      byte[] buf = in.array();
      long nowNanos = guard.nanoTime();
      DecodedRequest req = null;
      ProtocolException bad = null;
      try {
        req = QueryCodec.decodeRequest(buf, 0, len);
      } catch (ProtocolException e) {
        bad = e;
        rejected.get(e.reason()).incrementAndGet();
        logger.debug("bad query from {}: {}", from, e.getMessage());
      }
      boolean answerable = req != null || bad.answerable();
      int opcode = req != null ? req.opcode() : bad.opcode();
      long id = req != null ? req.requestId() : bad.requestId();
      QueryAudit trail = audit;
      if (!allowed.test(from.getAddress())) {
        if (req != null) {
          refused.incrementAndGet();
          logger.debug("refused query from {}", from);
          if (guard.admitNegativeReply(nowNanos)) {
            sendError(ch, from, opcode, id, ResultCode.REFUSED, outBuffer, len);
          }
          if (trail != null) {
            trail.refused(from, req);
          }
        }
        return;
      }
      if (!guard.admitQuery(from.getAddress(), nowNanos)) {
        logger.debug("rate-limited query from {}", from);
        if (answerable && guard.admitNegativeReply(nowNanos)) {
          sendError(ch, from, opcode, id, ResultCode.RATE_LIMITED, outBuffer, len);
        }
        if (trail != null && req != null) {
          trail.rateLimited(from, req);
        }
        return;
      }
      if (req == null) {
        if (answerable) {
          sendError(ch, from, opcode, id, bad.resultCode(), outBuffer, len);
          if (trail != null) {
            trail.malformed(from, bad);
          }
        }
        return;
      }
      Auth.Verified auth = null;
      if (guard.authRequired() || req.authenticated()) {
        try {
          auth = guard.verify(buf, len, req, nowNanos);
        } catch (Auth.AuthException e) {
          refused.incrementAndGet();
          logger.debug("authentication of query from {} failed: {}", from, e.getMessage());
          if (guard.admitNegativeReply(nowNanos)) {
            sendError(ch, from, opcode, id, ResultCode.REFUSED, outBuffer, len);
          }
          if (trail != null) {
            trail.unauthenticated(from, req, e.getMessage());
          }
          return;
        }
      }
      // an authenticated reply ends with its MAC, which counts against the budget
      int budget = auth == null ? len : len - Auth.MAC_SIZE;
      int n;
      QueryReply reply = null;
      if (req.isStats()) {
        n = QueryCodec.encodeStatsReply(req.requestId(), statsText.get(), out, budget);
      } else {
        reply = handler.answer(req.query(), budget);
        answered.get(reply.result()).incrementAndGet();
        if (logger.isDebugEnabled()) {
          logger.debug("query from {}: {} -> {}", from, req.query(), reply.result().label());
        }
        n = QueryCodec.encodeReply(reply, out, budget);
      }
      if (auth != null) {
        n = Auth.sealReply(out, n, auth.key(), auth.nonce());
      }
      if (n > 0 && n <= len) {
        ch.send(outBuffer.clear().limit(n), from);
      }
      if (trail != null) {
        long keyId = auth == null ? QueryAudit.NO_KEY : auth.key().id();
        if (reply == null) {
          trail.stats(from, req, keyId);
        } else {
          trail.answered(from, req, reply, keyId);
        }
      }
    } catch (IOException | RuntimeException e) {
      internalErrors.incrementAndGet();
      logger.warn("answering a query failed: {}", e.toString());
      logger.debug("failed query came from {}", from);
    }
  }

  private void sendError(DatagramChannel ch, InetSocketAddress to, int opcode, long id,
      ResultCode code, ByteBuffer outBuffer, int len) throws IOException {
    int n = QueryCodec.encodeErrorReply(opcode, id, code, outBuffer.array(), len);
    if (n > 0) {
      ch.send(outBuffer.clear().limit(n), to);
      answered.get(code).incrementAndGet();
    }
  }

  /** Answers given, by result code. */
  public Map<ResultCode, Long> answered() {
    Map<ResultCode, Long> m = new EnumMap<>(ResultCode.class);
    answered.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** Datagrams that could not be decoded, by reason. */
  public Map<ProtocolException.Reason, Long> rejected() {
    Map<ProtocolException.Reason, Long> m = new EnumMap<>(ProtocolException.Reason.class);
    rejected.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** Rate-limit and authentication counters, by stats name. */
  public Map<String, Long> guardCounters() {
    return guard.counters();
  }

  /** Queries refused because the client is not allowed or failed authentication. */
  public long refused() {
    return refused.get();
  }

  @Override
  public void close() {
    running = false;
    // a receive blocked on a socket ends when the socket closes
    for (DatagramChannel ch : channels) {
      try {
        ch.close();
      } catch (IOException e) {
        logger.debug("close query socket: {}", e.toString());
      }
    }
  }
}
