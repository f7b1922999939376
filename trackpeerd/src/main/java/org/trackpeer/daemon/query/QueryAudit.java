package org.trackpeer.daemon.query;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * The audit trail: one line for every request the query server answers or refuses, in the
 * fixed format of {@code docs/audit.md}.
 *
 * <p>Rate limit: at most {@code linesPerSecond} lines in each one-second interval (measured
 * from the first line of the interval). Lines beyond that are counted, not written; the first
 * call after the interval ends (a new request, or {@link #tick} from housekeeping) writes one
 * {@code Audit_suppressed count=K} line first. So a query flood costs at most
 * {@code linesPerSecond + 1} lines a second.
 *
 * <p>Threading: the query thread records and the housekeeping thread ticks, so the methods are
 * synchronized; nothing inside blocks, since the sink only queues (see SyslogSink).
 */
public final class QueryAudit {
  /** Receives finished lines; must not block. */
  @FunctionalInterface
  public interface Sink {
    /** Takes one line. */
    void line(String text);
  }

  /** The most MACs a line names; more are summarised as {@code +N}. */
  static final int MACS_PER_LINE_MAX = 16;
  private static final long INTERVAL_NANOS = 1_000_000_000L;

  private final Sink sink;
  private final int linesPerSecond;
  private final LongSupplier nanoTime;
  private long intervalStartNanos;
  private boolean intervalOpen;
  private int linesThisInterval;
  private long suppressed;
  private long written;
  private long suppressedTotal;

  /**
   * Creates the trail.
   *
   * @param linesPerSecond at most this many request lines per second, 1 or more
   * @param nanoTime monotonic clock, {@code System::nanoTime} outside tests
   */
  /** Key id of a request that was not authenticated (printed as {@code key=-}). */
  public static final long NO_KEY = -1;

  public QueryAudit(Sink sink, int linesPerSecond, LongSupplier nanoTime) {
    if (linesPerSecond < 1) {
      throw new IllegalArgumentException("linesPerSecond must be positive: " + linesPerSecond);
    }
    this.sink = Objects.requireNonNull(sink, "sink");
    this.linesPerSecond = linesPerSecond;
    this.nanoTime = nanoTime;
  }

  /** Records a query that was answered with {@code reply}, without authentication. */
  public void answered(InetSocketAddress from, DecodedRequest request, QueryReply reply) {
    answered(from, request, reply, NO_KEY);
  }

  /** Records a query answered with {@code reply}; {@code keyId} is its key, or {@link #NO_KEY}. */
  public void answered(
      InetSocketAddress from, DecodedRequest request, QueryReply reply, long keyId) {
    StringBuilder b = head("Query", from, request, keyId);
    question(b, request.query());
    b.append(" result=").append(reply.result().label());
    b.append(" evidence=").append(reply.evidence().label());
    b.append(" count=").append(reply.totalMatches());
    macs(b, reply.records());
    emit(b.toString());
  }

  /** Records a request refused because the client is not allowed to ask. */
  public void refused(InetSocketAddress from, DecodedRequest request) {
    denied(from, request, ResultCode.REFUSED, null);
  }

  /**
   * Records a request refused because it failed authentication; {@code reason} is the short
   * reason counted in the statistics ({@code bad_mac}, {@code replay}, ...).
   */
  public void unauthenticated(InetSocketAddress from, DecodedRequest request, String reason) {
    denied(from, request, ResultCode.REFUSED, reason);
  }

  /** Records a request turned away by the rate limits. */
  public void rateLimited(InetSocketAddress from, DecodedRequest request) {
    denied(from, request, ResultCode.RATE_LIMITED, null);
  }

  private void denied(
      InetSocketAddress from, DecodedRequest request, ResultCode code, String reason) {
    StringBuilder b = head(request.isStats() ? "Stats" : "Query", from, request, NO_KEY);
    if (!request.isStats()) {
      question(b, request.query());
    }
    b.append(" result=").append(code.label());
    if (reason != null) {
      b.append(" reason=").append(reason);
    }
    b.append(" macs=-");
    emit(b.toString());
  }

  /** Records a stats request that was answered; {@code keyId} as for queries. */
  public void stats(InetSocketAddress from, DecodedRequest request, long keyId) {
    emit(head("Stats", from, request, keyId).append(" result=found").toString());
  }

  /** Records a request that did not decode but got an error answer. */
  public void malformed(InetSocketAddress from, ProtocolException e) {
    StringBuilder b = new StringBuilder("Query from=").append(address(from)).append(" key=-");
    b.append(" result=").append(e.resultCode().label());
    b.append(" reason=").append(e.reason().name().toLowerCase(Locale.ROOT)).append(" macs=-");
    emit(b.toString());
  }

  /** Writes the summary of an interval that has ended; called about once a second. */
  public synchronized void tick() {
    if (intervalOpen && nanoTime.getAsLong() - intervalStartNanos >= INTERVAL_NANOS) {
      closeInterval();
    }
  }

  /** Returns the number of request lines written so far. */
  public synchronized long written() {
    return written;
  }

  /** Returns the number of request lines suppressed by the rate limit so far. */
  public synchronized long suppressed() {
    return suppressedTotal;
  }

  private synchronized void emit(String line) {
    long now = nanoTime.getAsLong();
    if (intervalOpen && now - intervalStartNanos >= INTERVAL_NANOS) {
      closeInterval();
    }
    if (!intervalOpen) {
      intervalOpen = true;
      intervalStartNanos = now;
      linesThisInterval = 0;
    }
    if (linesThisInterval >= linesPerSecond) {
      suppressed++;
      suppressedTotal++;
      return;
    }
    linesThisInterval++;
    written++;
    sink.line(line);
  }

  private void closeInterval() {
    intervalOpen = false;
    if (suppressed > 0) {
      sink.line("Audit_suppressed count=" + suppressed + " limit=" + linesPerSecond + "/s");
      suppressed = 0;
    }
  }

  private static StringBuilder head(String keyword, InetSocketAddress from,
      DecodedRequest request, long keyId) {
    return new StringBuilder(keyword).append(" from=").append(address(from))
        .append(" key=").append(keyId == NO_KEY ? "-" : Long.toString(keyId))
        .append(" id=").append(Long.toHexString(request.requestId()));
  }

  private static void question(StringBuilder b, QueryRequest q) {
    b.append(" proto=").append(q.protocol() == QueryRequest.UDP ? "udp" : "tcp");
    b.append(" src=").append(address(q.source().address(), q.source().port()));
    b.append(" dst=").append(address(q.destination().address(), q.destination().port()));
    b.append(" time=").append(q.timeSeconds());
    b.append(" tolerance=").append(q.toleranceSeconds());
    b.append(" page=").append(q.page());
  }

  private static void macs(StringBuilder b, List<PeerRecord> records) {
    List<String> macs = new ArrayList<>();
    for (PeerRecord r : records) {
      MacAddress m = r.mac();
      String text = m == null ? "none" : m.toString();
      if (!macs.contains(text)) {
        macs.add(text);
      }
    }
    b.append(" macs=");
    if (macs.isEmpty()) {
      b.append('-');
      return;
    }
    int shown = Math.min(macs.size(), MACS_PER_LINE_MAX);
    b.append(String.join(",", macs.subList(0, shown)));
    if (macs.size() > shown) {
      b.append(",+").append(macs.size() - shown);
    }
  }

  private static String address(InetSocketAddress a) {
    return address(a.getAddress(), a.getPort());
  }

  private static String address(InetAddress a, int port) {
    return new Endpoint(a, port).toString();
  }
}
