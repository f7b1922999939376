package org.trackpeer.daemon.query;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.trackpeer.daemon.AgentClock;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.cache.FlowQuery;
import org.trackpeer.daemon.cache.Lookup;
import org.trackpeer.daemon.nat.Translation;
import org.trackpeer.daemon.nat.TranslationLog;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;
import org.trackpeer.proto.WireFormat;

/**
 * Turns a decoded query into an answer from the flow cache.
 *
 * <p>The rule: when the asked source address is one of the router's own (NAT) addresses, the
 * translations the router made (from connection tracking, or paired by a capture box) are
 * asked first: each inside endpoint that held that public endpoint towards the server in the
 * window is looked up by its whole 5-tuple. Without a translation, a flow matches on protocol,
 * destination address and port, and source port, whatever its inside source address (the
 * router kept the port). A source that is not a NAT address matches on the whole 5-tuple. A
 * flow matches when it was seen within the tolerance of the asked time. One MAC among the
 * matches is {@link ResultCode#FOUND}; two or more are {@link ResultCode#AMBIGUOUS}, with every
 * match listed, never a silent pick. Where the record of the window has holes (capture drops,
 * evictions, lost conntrack events) and nothing certain matches, the answer is {@link
 * ResultCode#INCOMPLETE}; so is one host found through a translation in a window of lost
 * events, since a lost event may have given the same public endpoint to another host.
 */
public final class QueryHandler {
  private static final long NANOS = 1_000_000_000L;
  /** The most pages of one answer a client fetches; later pages come back without records. */
  private static final int PAGES_MAX = 64;

  /** Settings the handler needs; replaced as a whole on a configuration reload. */
  public record Settings(
      long retentionNanos, int defaultToleranceSeconds, boolean wildcard, int wildcardMax) {}

  private final FlowCache cache;
  private final TranslationLog translations;
  private final AgentClock clock;
  private final Predicate<InetAddress> isNatAddress;
  private final BooleanSupplier ready;
  private volatile Settings settings;

  /** Creates a handler over {@code cache}, without NAT translations. */
  public QueryHandler(
      FlowCache cache,
      AgentClock clock,
      Predicate<InetAddress> isNatAddress,
      BooleanSupplier ready,
      Settings settings) {
    this(cache, null, clock, isNatAddress, ready, settings);
  }

  /** Creates a handler over {@code cache} and the router's {@code translations} (or null). */
  public QueryHandler(
      FlowCache cache,
      TranslationLog translations,
      AgentClock clock,
      Predicate<InetAddress> isNatAddress,
      BooleanSupplier ready,
      Settings settings) {
    this.cache = cache;
    this.translations = translations;
    this.clock = clock;
    this.isNatAddress = isNatAddress;
    this.ready = ready;
    this.settings = settings;
  }

  /** Replaces the settings; queries after this call use {@code next}. */
  public void update(Settings next) {
    this.settings = next;
  }

  /**
   * Answers {@code q} with a reply that fits in {@code budgetBytes} on the wire.
   *
   * @param budgetBytes the size of the request datagram: no reply is larger than its request
   */
  public QueryReply answer(QueryRequest q, int budgetBytes) {
    long id = q.requestId();
    if (!ready.getAsBoolean()) {
      return QueryReply.of(id, ResultCode.NOT_READY);
    }
    int family = q.destination().family();
    int fit = Math.max(0, QueryCodec.recordsThatFit(budgetBytes, family));
    if (q.isWildcard()) {
      return wildcard(q, fit);
    }
    long now = clock.wallNanos();
    long tolSeconds =
        q.toleranceSeconds() == 0 ? settings.defaultToleranceSeconds() : q.toleranceSeconds();
    long from;
    long to;
    try {
      // checked: a time (signed 64-bit seconds) beyond the nanosecond range must not wrap
      // around into the retained window
      long at = Math.multiplyExact(q.timeSeconds(), NANOS);
      long tolNanos = Math.multiplyExact(tolSeconds, NANOS);
      from = Math.subtractExact(at, tolNanos);
      // the asked time is a whole second: the flow may have started anywhere within it
      to = Math.addExact(Math.addExact(at, NANOS - 1), tolNanos);
    } catch (ArithmeticException beyondNanoseconds) {
      return QueryReply.of(id, ResultCode.OUTSIDE_WINDOW);
    }
    if (to < now - settings.retentionNanos() || from > now + NANOS) {
      return QueryReply.of(id, ResultCode.OUTSIDE_WINDOW);
    }
    boolean nat = isNatAddress.test(q.source().address());
    // enough matches for this page and the pages before it, up to the pages a client fetches
    int limit = Math.max(Math.min(q.page() + 1, PAGES_MAX) * fit, 2) * 8;
    if (nat && translations != null) {
      QueryReply viaTranslation = translated(q, from, to, fit, limit);
      if (viaTranslation != null) {
        return viaTranslation;
      }
    }
    FlowQuery fq =
        new FlowQuery(
            q.protocol(),
            nat ? null : q.source().address(),
            q.source().port(),
            q.destination().address(),
            q.destination().port(),
            from,
            to,
            limit);
    Lookup lookup = cache.find(fq);
    Evidence evidence = nat ? Evidence.PORT_MATCH : Evidence.FIVE_TUPLE;
    return judge(id, lookup, evidence, fit, q.page());
  }

  /**
   * Answers through the translations seen for the public endpoint, or returns null when there
   * are none and the translation record of the window is complete.
   */
  private QueryReply translated(QueryRequest q, long from, long to, int fit, int limit) {
    List<Translation> seen =
        translations.find(q.protocol(), q.source().address(), q.source().port(),
            q.destination().address(), q.destination().port(), from, to);
    if (seen.isEmpty()) {
      if (!translations.incomplete(from, to)) {
        return null;
      }
      // events were lost: a port match is a guess, so it is shown but not called found
      Lookup guess = cache.find(new FlowQuery(q.protocol(), null, q.source().port(),
          q.destination().address(), q.destination().port(), from, to, Math.max(fit, 2) * 8));
      List<PeerRecord> shown = guess.matches().subList(0, Math.min(fit, guess.matches().size()));
      return new QueryReply(q.requestId(), ResultCode.INCOMPLETE, Evidence.PORT_MATCH,
          guess.matches().size(), shown.size() < guess.matches().size(), shown);
    }
    List<PeerRecord> matches = new ArrayList<>();
    boolean incomplete = false;
    boolean truncated = false;
    Evidence evidence = seen.get(0).evidence();
    Set<Endpoint> insides = new LinkedHashSet<>();
    for (Translation t : seen) {
      insides.add(t.inside());
    }
    for (Endpoint inside : insides) {
      Lookup l = cache.find(new FlowQuery(q.protocol(), inside.address(), inside.port(),
          q.destination().address(), q.destination().port(), from, to, limit));
      matches.addAll(l.matches());
      incomplete |= l.incomplete();
      truncated |= l.truncated();
    }
    QueryReply r = judge(q.requestId(), new Lookup(matches, truncated, incomplete), evidence,
        fit, q.page());
    if (r.result() == ResultCode.FOUND && translations.incomplete(from, to)) {
      // a lost event may have given the same public endpoint to another host in the window
      return new QueryReply(r.requestId(), ResultCode.INCOMPLETE, r.evidence(),
          r.totalMatches(), r.more(), r.records());
    }
    return r;
  }

  /** The answer for the matches; a page holds the {@code fit} records after earlier pages'. */
  private QueryReply judge(long id, Lookup lookup, Evidence evidence, int fit, int page) {
    List<PeerRecord> matches = new ArrayList<>(lookup.matches());
    if (matches.isEmpty()) {
      return QueryReply.of(id, lookup.incomplete() ? ResultCode.INCOMPLETE : ResultCode.NOT_FOUND);
    }
    matches.sort(Comparator.comparingLong(PeerRecord::lastSeenNanos).reversed());
    // one computer when every match names the same one (its MAC, else its inside address)
    Object first = computer(matches.get(0));
    boolean one = true;
    for (int i = 1; i < matches.size() && one; i++) {
      one = first.equals(computer(matches.get(i)));
    }
    ResultCode result = one ? ResultCode.FOUND : ResultCode.AMBIGUOUS;
    int start = (int) Math.min(matches.size(), (long) page * fit);
    List<PeerRecord> shown = matches.subList(start, Math.min(start + fit, matches.size()));
    boolean more = start + shown.size() < matches.size() || lookup.truncated();
    return new QueryReply(id, result, evidence, matches.size(), more, shown);
  }

  private static Object computer(PeerRecord r) {
    return r.mac() != null ? r.mac() : r.insideAddress();
  }

  private QueryReply wildcard(QueryRequest q, int fit) {
    long id = q.requestId();
    if (!settings.wildcard()) {
      return QueryReply.of(id, ResultCode.WILDCARD_DISABLED);
    }
    long now = clock.wallNanos();
    FlowQuery fq =
        new FlowQuery(
            q.protocol(),
            null,
            -1,
            q.destination().address(),
            q.destination().port(),
            now - settings.retentionNanos(),
            now + NANOS,
            WireFormat.REPLY_TOTAL_MAX);
    Lookup lookup = cache.find(fq);
    List<PeerRecord> found = new ArrayList<>(lookup.matches());
    if (found.isEmpty()) {
      return QueryReply.of(id, lookup.incomplete() ? ResultCode.INCOMPLETE : ResultCode.NOT_FOUND);
    }
    // the total counts every session (up to the field's "65535 or more"), so a client sees
    // when wildcard-max cut the answer; the pages hold the first wildcard-max sessions
    int total = lookup.truncated() ? WireFormat.REPLY_TOTAL_MAX : found.size();
    found.sort(Comparator.comparingLong(PeerRecord::firstSeenNanos));
    List<PeerRecord> all = found.subList(0, Math.min(found.size(), settings.wildcardMax()));
    int start = Math.min(all.size(), q.page() * Math.max(fit, 1));
    int end = Math.min(all.size(), start + fit);
    List<PeerRecord> page = all.subList(start, end);
    boolean more = end < all.size();
    return new QueryReply(id, ResultCode.FOUND, Evidence.NONE, total, more, page);
  }
}
