package org.trackpeer.client;

import java.io.FileInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.trackpeer.proto.Auth;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;
import org.trackpeer.proto.StatsReply;
import org.trackpeer.proto.WireFormat;

/**
 * Asks a trackpeer agent over UDP, for Java programs that want an answer without the CLI.
 *
 * <p>Each exchange sends the request, waits up to the timeout for a reply, and resends the same
 * datagram (same request id) up to {@code retries} more times. Only a datagram from the agent's
 * address and port carrying the request's id and the matching reply opcode is taken as the
 * reply; anything else is ignored and the wait goes on. A reply taken is decoded strictly.
 *
 * <p>Requests are padded so the agent may answer with up to {@link #QUERY_PAD_BYTES} bytes
 * (wildcard queries: {@link Protocol#MAX_DATAGRAM_BYTES}); longer answers come in pages, which
 * {@link #query} fetches, at most {@link #PAGES_MAX} of them. Instances are not thread-safe.
 */
public final class TrackpeerClient {
  /** Size a query is padded to: room for 9 IPv4 or 6 IPv6 records in the reply. */
  public static final int QUERY_PAD_BYTES = 512;
  /** The most pages one call to {@link #query} fetches. */
  public static final int PAGES_MAX = 64;

  private static final int RETRIES_MAX = 10;
  private static final String URANDOM = "/dev/urandom";

  private final InetSocketAddress agent;
  private final long timeoutNanos;
  private final int retries;
  private SecureRandom random;
  private int ignoredDatagrams;
  private Auth.Key key;
  private InetAddress bindAddress;

  /**
   * Creates a client for the agent at {@code agent}.
   *
   * @param timeout how long to wait for a reply to each send
   * @param retries how many times to resend when no reply comes (0 = send once)
   */
  public TrackpeerClient(InetSocketAddress agent, Duration timeout, int retries) {
    this.agent = Objects.requireNonNull(agent, "agent");
    if (agent.isUnresolved()) {
      throw new IllegalArgumentException("agent address is unresolved: " + agent);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    if (retries < 0 || retries > RETRIES_MAX) {
      throw new IllegalArgumentException("retries out of range 0-10: " + retries);
    }
    this.timeoutNanos = timeout.toNanos();
    this.retries = retries;
  }

  /**
   * Authenticates every request with {@code key} and accepts only replies whose MAC verifies
   * with it; null turns authentication off.
   */
  public TrackpeerClient authenticateWith(Auth.Key key) {
    this.key = key;
    return this;
  }

  /** Sends from {@code address} (null: the system's choice). */
  public TrackpeerClient bindTo(InetAddress address) {
    this.bindAddress = address;
    return this;
  }

  /** Returns the agent's address. */
  public InetSocketAddress agent() {
    return agent;
  }

  /** Returns how many datagrams were ignored (wrong sender or request id) so far. */
  public int ignoredDatagrams() {
    return ignoredDatagrams;
  }

  /**
   * Asks the agent about one flow, fetching further pages while the agent has more.
   *
   * <p>The request's id is not used: each page is sent with a fresh random id. The returned
   * reply carries the first page's id and the records of all pages fetched; {@code more} is
   * set when the page bound stopped the fetch or a later page failed.
   */
  public QueryReply query(QueryRequest request) throws NoAnswerException, BadReplyException {
    int pad = request.isWildcard() ? Protocol.MAX_DATAGRAM_BYTES : QUERY_PAD_BYTES;
    QueryReply first = null;
    List<PeerRecord> records = new ArrayList<>();
    ResultCode result = null;
    int total = 0;
    boolean more = false;
    int page = request.page();
    for (int n = 0; n < PAGES_MAX; n++) {
      QueryReply reply = queryPage(request, page, pad);
      if (first == null) {
        first = reply;
        result = reply.result();
      } else if (!hasMatches(reply.result())) {
        more = true;
        break;
      } else if (reply.result() == ResultCode.AMBIGUOUS) {
        result = ResultCode.AMBIGUOUS;
      }
      records.addAll(reply.records());
      total = Math.max(total, reply.totalMatches());
      more = reply.more();
      if (!more || page == QueryRequest.PAGE_MAX || !hasMatches(reply.result())) {
        break;
      }
      page++;
    }
    total = Math.max(total, records.size());
    return new QueryReply(first.requestId(), result, first.evidence(), total, more, records);
  }

  /**
   * Asks the agent about one flow and decides whether its computer is on {@code allowList}.
   *
   * <p>Never throws for a failed exchange: no answer and a bad reply become denying decisions.
   * Only a found answer naming a listed MAC allows.
   */
  public Decision check(QueryRequest request, MacAllowList allowList) {
    Objects.requireNonNull(allowList, "allowList");
    try {
      return decide(query(request), allowList);
    } catch (NoAnswerException e) {
      return new Decision(Decision.Outcome.NO_ANSWER, null, List.of(), e.getMessage());
    } catch (BadReplyException e) {
      return new Decision(Decision.Outcome.BAD_REPLY, null, List.of(), e.getMessage());
    }
  }

  /** Decides on an agent's answer: allowed only when found and the one MAC is listed. */
  public static Decision decide(QueryReply reply, MacAllowList allowList) {
    List<MacAddress> macs = new ArrayList<>();
    for (PeerRecord r : reply.records()) {
      if (r.mac() != null && !macs.contains(r.mac())) {
        macs.add(r.mac());
      }
    }
    String named = macs.isEmpty() ? "" : " " + joinMacs(macs);
    if (reply.result() != ResultCode.FOUND) {
      return new Decision(Decision.Outcome.NOT_FOUND_OR_UNSURE, reply.result(), macs,
          reply.result().label() + named);
    }
    if (macs.size() != 1) {
      // A found answer must name exactly one MAC; anything else is doubt, and doubt denies.
      String why = macs.isEmpty() ? "found, but the agent saw no MAC" : "found" + named
          + ", but more than one MAC";
      return new Decision(Decision.Outcome.NOT_LISTED, reply.result(), macs, why);
    }
    if (allowList.contains(macs.get(0))) {
      return new Decision(Decision.Outcome.ALLOWED, reply.result(), macs,
          "found" + named + ", listed");
    }
    return new Decision(Decision.Outcome.NOT_LISTED, reply.result(), macs,
        "found" + named + ", not listed");
  }

  private static String joinMacs(List<MacAddress> macs) {
    StringBuilder b = new StringBuilder();
    for (MacAddress m : macs) {
      b.append(b.length() == 0 ? "" : " ").append(m);
    }
    return b.toString();
  }

  /** Asks the agent for its counters. */
  public StatsReply stats() throws NoAnswerException, BadReplyException {
    long id = nextId();
    byte[] nonce = new byte[Auth.NONCE_SIZE];
    byte[] request = seal(QueryCodec.encodeStatsRequest(id, 0), Protocol.MAX_DATAGRAM_BYTES,
        nonce);
    byte[] reply = open(exchange(request, id, Protocol.OP_STATS), nonce);
    try {
      return QueryCodec.decodeStatsReply(reply, 0, reply.length);
    } catch (ProtocolException e) {
      throw new BadReplyException(badReplyMessage(e), e);
    }
  }

  private QueryReply queryPage(QueryRequest request, int page, int pad)
      throws NoAnswerException, BadReplyException {
    long id = nextId();
    QueryRequest r = new QueryRequest(id, request.protocol(), request.source(),
        request.destination(), request.timeSeconds(), request.toleranceSeconds(), page);
    byte[] nonce = new byte[Auth.NONCE_SIZE];
    byte[] datagram = seal(QueryCodec.encodeRequest(r, 0), pad, nonce);
    byte[] reply = open(exchange(datagram, id, Protocol.OP_QUERY), nonce);
    try {
      return QueryCodec.decodeReply(reply, 0, reply.length);
    } catch (ProtocolException e) {
      throw new BadReplyException(badReplyMessage(e), e);
    }
  }

  /** Pads an unpadded request, adding the authentication trailer when a key is set. */
  private byte[] seal(byte[] unpadded, int pad, byte[] nonce) {
    if (key == null) {
      return Arrays.copyOf(unpadded, Math.max(unpadded.length, pad));
    }
    randomBytes(nonce);
    long nowSeconds = Math.floorDiv(System.currentTimeMillis(), 1000L);
    return Auth.sealRequest(unpadded, key, nowSeconds, nonce, pad);
  }

  /** Checks and strips an authenticated reply's MAC. */
  private byte[] open(byte[] reply, byte[] nonce) throws BadReplyException {
    if (key == null) {
      return reply;
    }
    try {
      return Arrays.copyOf(reply, Auth.openReply(reply, reply.length, key, nonce));
    } catch (Auth.AuthException e) {
      throw new BadReplyException("bad reply from " + format(agent) + ": not_authenticated ("
          + e.getMessage() + ")", null);
    }
  }

  private static boolean hasMatches(ResultCode result) {
    return result == ResultCode.FOUND || result == ResultCode.AMBIGUOUS;
  }

  private String badReplyMessage(ProtocolException e) {
    String reason = e.reason().name().toLowerCase(Locale.ROOT);
    return "bad reply from " + format(agent) + ": " + reason + " (" + e.getMessage() + ")";
  }

  /** Sends {@code request} until a reply to it arrives; returns the reply's bytes. */
  private byte[] exchange(byte[] request, long id, int opcode) throws NoAnswerException {
    byte[] buf = new byte[Protocol.MAX_DATAGRAM_BYTES + 1];
    try (DatagramSocket socket = bindAddress == null
        ? new DatagramSocket() : new DatagramSocket(new InetSocketAddress(bindAddress, 0))) {
      DatagramPacket out = new DatagramPacket(request, request.length, agent);
      for (int attempt = 0; attempt <= retries; attempt++) {
        socket.send(out);
        byte[] reply = awaitReply(socket, buf, id, opcode);
        if (reply != null) {
          return reply;
        }
      }
    } catch (IOException e) {
      throw new NoAnswerException("cannot ask " + format(agent) + ": " + e.getMessage(), e);
    }
    String ignored = ignoredDatagrams == 0 ? ""
        : "; ignored " + ignoredDatagrams + " datagram(s) with another sender or request id";
    String tries = retries == 0 ? "1 try" : (retries + 1) + " tries";
    throw new NoAnswerException("no answer from " + format(agent) + " within "
        + timeoutNanos / 1_000_000 + " ms (" + tries + ")" + ignored, null);
  }

  private byte[] awaitReply(DatagramSocket socket, byte[] buf, long id, int opcode)
      throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    DatagramPacket in = new DatagramPacket(buf, buf.length);
    while (true) {
      long leftNanos = deadline - System.nanoTime();
      if (leftNanos <= 0) {
        return null;
      }
      socket.setSoTimeout((int) Math.max(1, (leftNanos + 999_999) / 1_000_000));
      in.setLength(buf.length);
      try {
        socket.receive(in);
      } catch (SocketTimeoutException e) {
        return null;
      }
      if (isReplyTo(in, id, opcode)) {
        byte[] reply = new byte[in.getLength()];
        System.arraycopy(buf, in.getOffset(), reply, 0, reply.length);
        return reply;
      }
      ignoredDatagrams++;
    }
  }

  /** True for a datagram from the agent whose header names this request and reply opcode. */
  private boolean isReplyTo(DatagramPacket p, long id, int opcode) {
    if (!agent.getAddress().equals(p.getAddress()) || agent.getPort() != p.getPort()) {
      return false;
    }
    byte[] b = p.getData();
    int off = p.getOffset();
    if (p.getLength() < WireFormat.HEADER_SIZE) {
      return false;
    }
    int magic = ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    int op = b[off + WireFormat.OPCODE_OFFSET] & 0xFF;
    long replyId = 0;
    for (int i = 0; i < WireFormat.REQUEST_ID_SIZE; i++) {
      replyId = (replyId << 8) | (b[off + WireFormat.REQUEST_ID_OFFSET + i] & 0xFF);
    }
    return magic == WireFormat.MAGIC && replyId == id && op == (opcode | Protocol.OP_REPLY_BIT);
  }

  /**
   * Fills {@code bytes} from /dev/urandom, or from a {@link SecureRandom} where that cannot be
   * read. Reading the device directly spares a one-query client the security provider set-up
   * and seeding (about 70 classes) for the same kernel randomness.
   */
  private void randomBytes(byte[] bytes) {
    if (random == null) {
      try (FileInputStream in = new FileInputStream(URANDOM)) {
        if (in.readNBytes(bytes, 0, bytes.length) == bytes.length) {
          return;
        }
      } catch (IOException e) {
        // no such device here: use SecureRandom from now on
      }
      random = new SecureRandom();
    }
    random.nextBytes(bytes);
  }

  private long nextId() {
    byte[] b = new byte[Long.BYTES];
    long id;
    do {
      randomBytes(b);
      id = 0;
      for (byte x : b) {
        id = (id << 8) | (x & 0xFF);
      }
    } while (id == 0);
    return id;
  }

  static String format(InetSocketAddress a) {
    return AddressText.of(a);
  }
}
