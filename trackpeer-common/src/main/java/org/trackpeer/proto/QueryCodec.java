package org.trackpeer.proto;

import static org.trackpeer.proto.WireFormat.FAMILY_V4;
import static org.trackpeer.proto.WireFormat.FAMILY_V6;
import static org.trackpeer.proto.WireFormat.HEADER_SIZE;
import static org.trackpeer.proto.WireFormat.MAGIC;
import static org.trackpeer.proto.WireFormat.MAGIC_OFFSET;
import static org.trackpeer.proto.WireFormat.OPCODE_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_ADDR_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_DST_PORT_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_FAMILY_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_FIRST_SEEN_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_FIXED_SIZE;
import static org.trackpeer.proto.WireFormat.REC_FLAGS_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_FLAG_MAC;
import static org.trackpeer.proto.WireFormat.REC_IFNAME_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_IFNAME_SIZE;
import static org.trackpeer.proto.WireFormat.REC_INSIDE_PORT_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_LAST_SEEN_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_MAC_OFFSET;
import static org.trackpeer.proto.WireFormat.REC_VLAN_OFFSET;
import static org.trackpeer.proto.WireFormat.REPLY_COUNT_MAX;
import static org.trackpeer.proto.WireFormat.REPLY_COUNT_OFFSET;
import static org.trackpeer.proto.WireFormat.REPLY_EVIDENCE_OFFSET;
import static org.trackpeer.proto.WireFormat.REPLY_FLAGS_OFFSET;
import static org.trackpeer.proto.WireFormat.REPLY_FLAG_MORE;
import static org.trackpeer.proto.WireFormat.REPLY_HEADER_SIZE;
import static org.trackpeer.proto.WireFormat.REPLY_RESULT_OFFSET;
import static org.trackpeer.proto.WireFormat.REPLY_TOTAL_MAX;
import static org.trackpeer.proto.WireFormat.REPLY_TOTAL_OFFSET;
import static org.trackpeer.proto.WireFormat.REQUEST_ID_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_DST_PORT_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_FAMILY_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_FIXED_SIZE;
import static org.trackpeer.proto.WireFormat.REQ_FLAGS_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_FLAG_AUTH;
import static org.trackpeer.proto.WireFormat.REQ_PAGE_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_PROTOCOL_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_RESERVED_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_SRC_ADDR_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_SRC_PORT_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_TIME_OFFSET;
import static org.trackpeer.proto.WireFormat.REQ_TOLERANCE_OFFSET;
import static org.trackpeer.proto.WireFormat.STATS_REPLY_HEADER_SIZE;
import static org.trackpeer.proto.WireFormat.STATS_REQUEST_SIZE;
import static org.trackpeer.proto.WireFormat.STATS_TEXT_OFFSET;
import static org.trackpeer.proto.WireFormat.VERSION_OFFSET;
import static org.trackpeer.proto.WireFormat.VLAN_NONE;
import static org.trackpeer.proto.WireFormat.addressSize;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.ProtocolException.Reason;

/**
 * Encodes and decodes the datagrams of the query protocol (layout in {@link WireFormat}).
 *
 * <p>Decoders are strict and total: on any bytes they return a value or throw {@link
 * ProtocolException}, never anything else. Encoders trust their arguments, which the value
 * types have already checked.
 */
public final class QueryCodec {
  private QueryCodec() {}

  // ---------------------------------------------------------------- requests

  /**
   * Encodes a query, padded with zeros to {@code padToBytes} (the reply size the caller will
   * accept); a smaller value yields the unpadded request.
   *
   * @throws IllegalArgumentException if {@code padToBytes} exceeds the largest datagram
   */
  public static byte[] encodeRequest(QueryRequest r, int padToBytes) {
    int family = r.source().family();
    int addrSize = addressSize(family);
    byte[] b = new byte[paddedSize(REQ_FIXED_SIZE + 2 * addrSize, padToBytes)];
    writeHeader(b, Protocol.OP_QUERY, r.requestId());
    b[REQ_PROTOCOL_OFFSET] = (byte) r.protocol();
    b[REQ_FAMILY_OFFSET] = (byte) family;
    putU16(b, REQ_TOLERANCE_OFFSET, r.toleranceSeconds());
    putU16(b, REQ_PAGE_OFFSET, r.page());
    putI64(b, REQ_TIME_OFFSET, r.timeSeconds());
    putU16(b, REQ_SRC_PORT_OFFSET, r.source().port());
    putU16(b, REQ_DST_PORT_OFFSET, r.destination().port());
    putAddress(b, REQ_SRC_ADDR_OFFSET, r.source().address());
    putAddress(b, REQ_SRC_ADDR_OFFSET + addrSize, r.destination().address());
    return b;
  }

  /** Encodes a stats request, padded with zeros to {@code padToBytes}. */
  public static byte[] encodeStatsRequest(long requestId, int padToBytes) {
    byte[] b = new byte[paddedSize(STATS_REQUEST_SIZE, padToBytes)];
    writeHeader(b, Protocol.OP_STATS, requestId);
    return b;
  }

  /**
   * Decodes a query or stats request from {@code len} bytes of {@code buf} at {@code off}.
   *
   * @throws ProtocolException when the datagram is not a valid version 1 request
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not lie within buf
   */
  public static DecodedRequest decodeRequest(byte[] buf, int off, int len)
      throws ProtocolException {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (len < HEADER_SIZE) {
      throw new ProtocolException(Reason.TOO_SHORT, "datagram of " + len + " bytes");
    }
    checkMagic(buf, off);
    int version = u8(buf, off + VERSION_OFFSET);
    int opcode = u8(buf, off + OPCODE_OFFSET);
    long id = getI64(buf, off + REQUEST_ID_OFFSET);
    Header h = new Header(version, opcode, id);
    if (len > Protocol.MAX_DATAGRAM_BYTES) {
      throw h.fail(Reason.TOO_LONG, "datagram of " + len + " bytes");
    }
    if ((opcode & Protocol.OP_REPLY_BIT) != 0 || !Protocol.isKnownRequestOpcode(opcode)) {
      if (version != Protocol.VERSION && (opcode & Protocol.OP_REPLY_BIT) == 0) {
        throw h.fail(Reason.BAD_VERSION, "version " + version);
      }
      throw h.fail(Reason.BAD_OPCODE, "request opcode " + opcode);
    }
    if (version != Protocol.VERSION) {
      throw h.fail(Reason.BAD_VERSION, "version " + version);
    }
    if (len < STATS_REQUEST_SIZE) {
      throw h.fail(Reason.TOO_SHORT, "request of " + len + " bytes");
    }
    int flags = u8(buf, off + REQ_FLAGS_OFFSET);
    if ((flags & ~REQ_FLAG_AUTH) != 0) {
      throw h.fail(Reason.BAD_FLAGS, "request flags 0x" + Integer.toHexString(flags));
    }
    if (opcode == Protocol.OP_STATS) {
      checkPadding(buf, off, STATS_REQUEST_SIZE, len, flags, h);
      return new DecodedRequest(version, opcode, id, flags, null, len);
    }
    return decodeQuery(buf, off, len, flags, h);
  }

  /**
   * Returns the size of a decoded request's fields: where its padding, or its authentication
   * trailer, starts.
   */
  public static int requestFieldsSize(DecodedRequest r) {
    if (r.isStats()) {
      return STATS_REQUEST_SIZE;
    }
    return REQ_FIXED_SIZE + 2 * addressSize(r.query().source().family());
  }

  private static DecodedRequest decodeQuery(byte[] buf, int off, int len, int flags, Header h)
      throws ProtocolException {
    if (len < REQ_FIXED_SIZE) {
      throw h.fail(Reason.TOO_SHORT, "query of " + len + " bytes");
    }
    int protocol = u8(buf, off + REQ_PROTOCOL_OFFSET);
    if (protocol != QueryRequest.TCP && protocol != QueryRequest.UDP) {
      throw h.fail(Reason.BAD_PROTOCOL, "protocol " + protocol);
    }
    int family = u8(buf, off + REQ_FAMILY_OFFSET);
    int addrSize = addressSize(family);
    if (addrSize < 0) {
      throw h.fail(Reason.BAD_FAMILY, "family " + family);
    }
    if (buf[off + REQ_RESERVED_OFFSET] != 0) {
      throw h.fail(Reason.BAD_RESERVED, "reserved byte " + u8(buf, off + REQ_RESERVED_OFFSET));
    }
    int end = REQ_FIXED_SIZE + 2 * addrSize;
    if (len < end) {
      throw h.fail(Reason.TOO_SHORT, "IPv" + family + " query of " + len + " bytes");
    }
    InetAddress src = getAddress(buf, off + REQ_SRC_ADDR_OFFSET, family, h);
    InetAddress dst = getAddress(buf, off + REQ_SRC_ADDR_OFFSET + addrSize, family, h);
    checkPadding(buf, off, end, len, flags, h);
    QueryRequest q = new QueryRequest(
        h.requestId,
        protocol,
        new Endpoint(src, getU16(buf, off + REQ_SRC_PORT_OFFSET)),
        new Endpoint(dst, getU16(buf, off + REQ_DST_PORT_OFFSET)),
        getI64(buf, off + REQ_TIME_OFFSET),
        getU16(buf, off + REQ_TOLERANCE_OFFSET),
        getU16(buf, off + REQ_PAGE_OFFSET));
    return new DecodedRequest(h.version, h.opcode, h.requestId, flags, q, len);
  }

  private static void checkPadding(byte[] buf, int off, int from, int len, int flags, Header h)
      throws ProtocolException {
    if ((flags & REQ_FLAG_AUTH) != 0) {
      return; // the bytes after the fields are the trailer, checked by whoever verifies it
    }
    for (int i = from; i < len; i++) {
      if (buf[off + i] != 0) {
        throw h.fail(Reason.NONZERO_PADDING, "padding byte at offset " + i);
      }
    }
  }

  // ---------------------------------------------------------------- replies

  /** Returns the encoded size of one record of the given family (4 or 6). */
  public static int recordSize(int family) {
    int addrSize = addressSize(family);
    if (addrSize < 0) {
      throw new IllegalArgumentException("family must be 4 or 6: " + family);
    }
    return REC_FIXED_SIZE + 2 * addrSize;
  }

  /** Returns the encoded size of a reply carrying all of {@code records}. */
  public static int replySize(List<PeerRecord> records) {
    int size = REPLY_HEADER_SIZE;
    for (PeerRecord r : records) {
      size += recordSize(familyOf(r.insideAddress()));
    }
    return size;
  }

  /** Returns how many records of one family fit into a reply of at most budgetBytes. */
  public static int recordsThatFit(int budgetBytes, int family) {
    int budget = Math.min(budgetBytes, Protocol.MAX_DATAGRAM_BYTES) - REPLY_HEADER_SIZE;
    return budget <= 0 ? 0 : Math.min(REPLY_COUNT_MAX, budget / recordSize(family));
  }

  /**
   * Encodes a query reply into {@code out}, writing as many of its records as fit into {@code
   * maxBytes} (and {@code out}); when some are left out the more-pages flag is set. A reply is
   * never padded.
   *
   * @return the number of bytes written
   * @throws IllegalArgumentException if not even the reply header fits
   */
  public static int encodeReply(QueryReply reply, byte[] out, int maxBytes) {
    int max = Math.min(Math.min(maxBytes, out.length), Protocol.MAX_DATAGRAM_BYTES);
    if (max < REPLY_HEADER_SIZE) {
      throw new IllegalArgumentException("reply budget below " + REPLY_HEADER_SIZE + ": " + max);
    }
    int pos = REPLY_HEADER_SIZE;
    int count = 0;
    for (PeerRecord r : reply.records()) {
      int size = recordSize(familyOf(r.insideAddress()));
      if (count == REPLY_COUNT_MAX || pos + size > max) {
        break;
      }
      writeRecord(r, out, pos);
      pos += size;
      count++;
    }
    boolean more = reply.more() || count < reply.records().size();
    writeHeader(out, Protocol.OP_QUERY | Protocol.OP_REPLY_BIT, reply.requestId());
    out[REPLY_RESULT_OFFSET] = (byte) reply.result().wire();
    out[REPLY_EVIDENCE_OFFSET] = (byte) reply.evidence().wire();
    out[REPLY_FLAGS_OFFSET] = (byte) (more ? REPLY_FLAG_MORE : 0);
    out[REPLY_COUNT_OFFSET] = (byte) count;
    int total = Math.max(reply.totalMatches(), count);
    putU16(out, REPLY_TOTAL_OFFSET, Math.min(total, REPLY_TOTAL_MAX));
    return pos;
  }

  /**
   * Encodes the reply to a request that could not be served, in the form its opcode's replies
   * take: a query reply without records, a stats reply without text, or for an unknown opcode
   * the header and result code alone.
   *
   * @return the number of bytes written, or -1 when the reply does not fit into maxBytes
   */
  public static int encodeErrorReply(
      int requestOpcode, long requestId, ResultCode result, byte[] out, int maxBytes) {
    int max = Math.min(maxBytes, out.length);
    if (requestOpcode == Protocol.OP_QUERY) {
      if (max < REPLY_HEADER_SIZE) {
        return -1;
      }
      return encodeReply(QueryReply.of(requestId, result), out, max);
    }
    if (max < STATS_REPLY_HEADER_SIZE) {
      return -1;
    }
    writeHeader(out, (requestOpcode | Protocol.OP_REPLY_BIT) & 0xFF, requestId);
    out[REPLY_RESULT_OFFSET] = (byte) result.wire();
    return STATS_REPLY_HEADER_SIZE;
  }

  private static void writeRecord(PeerRecord r, byte[] out, int pos) {
    int family = familyOf(r.insideAddress());
    int addrSize = addressSize(family);
    if (r.firstSeenNanos() > r.lastSeenNanos()) {
      throw new IllegalArgumentException("record first seen after last seen");
    }
    Arrays.fill(out, pos, pos + REC_FIXED_SIZE + 2 * addrSize, (byte) 0);
    out[pos + REC_FAMILY_OFFSET] = (byte) family;
    if (r.mac() != null) {
      out[pos + REC_FLAGS_OFFSET] = (byte) REC_FLAG_MAC;
      r.mac().copyTo(out, pos + REC_MAC_OFFSET);
    }
    putU16(out, pos + REC_VLAN_OFFSET, r.vlan() < 0 ? VLAN_NONE : r.vlan());
    putU16(out, pos + REC_INSIDE_PORT_OFFSET, r.insidePort());
    putU16(out, pos + REC_DST_PORT_OFFSET, r.destinationPort());
    putI64(out, pos + REC_FIRST_SEEN_OFFSET, r.firstSeenNanos());
    putI64(out, pos + REC_LAST_SEEN_OFFSET, r.lastSeenNanos());
    putInterfaceName(out, pos + REC_IFNAME_OFFSET, r.interfaceName());
    putAddress(out, pos + REC_ADDR_OFFSET, r.insideAddress());
    putAddressAs(out, pos + REC_ADDR_OFFSET + addrSize, r.destination(), family);
  }

  /**
   * Decodes a query reply from {@code len} bytes of {@code buf} at {@code off}.
   *
   * @throws ProtocolException when the datagram is not a valid version 1 query reply
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not lie within buf
   */
  public static QueryReply decodeReply(byte[] buf, int off, int len) throws ProtocolException {
    Header h = readReplyHeader(buf, off, len, Protocol.OP_QUERY);
    if (len < REPLY_HEADER_SIZE) {
      throw h.fail(Reason.TOO_SHORT, "query reply of " + len + " bytes");
    }
    ResultCode result = readResult(buf, off, h);
    Evidence evidence = Evidence.fromWire(u8(buf, off + REPLY_EVIDENCE_OFFSET));
    if (evidence == null) {
      throw h.fail(Reason.BAD_EVIDENCE, "evidence " + u8(buf, off + REPLY_EVIDENCE_OFFSET));
    }
    int flags = u8(buf, off + REPLY_FLAGS_OFFSET);
    if ((flags & ~REPLY_FLAG_MORE) != 0) {
      throw h.fail(Reason.BAD_FLAGS, "reply flags 0x" + Integer.toHexString(flags));
    }
    int count = u8(buf, off + REPLY_COUNT_OFFSET);
    int total = getU16(buf, off + REPLY_TOTAL_OFFSET);
    boolean canMatch = result == ResultCode.FOUND || result == ResultCode.AMBIGUOUS;
    if (total < count || (!canMatch && total != 0)) {
      throw h.fail(Reason.BAD_RECORD_COUNT, count + " records, " + total + " in all, " + result);
    }
    List<PeerRecord> records = new ArrayList<>(count);
    int pos = REPLY_HEADER_SIZE;
    for (int i = 0; i < count; i++) {
      pos = readRecord(buf, off, len, pos, records, h);
    }
    if (pos != len) {
      throw h.fail(Reason.TRAILING_BYTES, (len - pos) + " bytes after the records");
    }
    boolean more = (flags & REPLY_FLAG_MORE) != 0;
    return new QueryReply(h.requestId, result, evidence, total, more, records);
  }

  private static int readRecord(
      byte[] buf, int off, int len, int pos, List<PeerRecord> records, Header h)
      throws ProtocolException {
    if (len - pos < REC_FIXED_SIZE) {
      throw h.fail(Reason.TRUNCATED_RECORD, "record at offset " + pos);
    }
    int at = off + pos;
    int family = u8(buf, at + REC_FAMILY_OFFSET);
    int addrSize = addressSize(family);
    if (addrSize < 0) {
      throw h.fail(Reason.BAD_FAMILY, "record family " + family);
    }
    int size = REC_FIXED_SIZE + 2 * addrSize;
    if (len - pos < size) {
      throw h.fail(Reason.TRUNCATED_RECORD, "record at offset " + pos);
    }
    int flags = u8(buf, at + REC_FLAGS_OFFSET);
    if ((flags & ~REC_FLAG_MAC) != 0) {
      throw h.fail(Reason.BAD_FLAGS, "record flags 0x" + Integer.toHexString(flags));
    }
    MacAddress mac = null;
    if ((flags & REC_FLAG_MAC) != 0) {
      mac = MacAddress.of(buf, at + REC_MAC_OFFSET);
    } else if (!MacAddress.of(buf, at + REC_MAC_OFFSET).isZero()) {
      throw h.fail(Reason.BAD_RECORD, "MAC bytes without the MAC flag");
    }
    int vlan = getU16(buf, at + REC_VLAN_OFFSET);
    if (vlan > 4095 && vlan != VLAN_NONE) {
      throw h.fail(Reason.BAD_RECORD, "VLAN " + vlan);
    }
    long firstNanos = getI64(buf, at + REC_FIRST_SEEN_OFFSET);
    long lastNanos = getI64(buf, at + REC_LAST_SEEN_OFFSET);
    if (firstNanos > lastNanos) {
      throw h.fail(Reason.BAD_RECORD, "first seen after last seen");
    }
    String ifName = getInterfaceName(buf, at + REC_IFNAME_OFFSET, h);
    InetAddress inside = getAddress(buf, at + REC_ADDR_OFFSET, family, h);
    InetAddress dest = getAddress(buf, at + REC_ADDR_OFFSET + addrSize, family, h);
    records.add(new PeerRecord(
        mac,
        inside,
        getU16(buf, at + REC_INSIDE_PORT_OFFSET),
        dest,
        getU16(buf, at + REC_DST_PORT_OFFSET),
        vlan == VLAN_NONE ? -1 : vlan,
        ifName,
        firstNanos,
        lastNanos));
    return pos + size;
  }

  // ---------------------------------------------------------------- stats

  /**
   * Encodes a stats reply carrying as many whole lines of {@code text} (UTF-8) as fit into
   * {@code maxBytes}.
   *
   * @return the number of bytes written
   * @throws IllegalArgumentException if not even the reply header fits
   */
  public static int encodeStatsReply(long requestId, String text, byte[] out, int maxBytes) {
    int max = Math.min(Math.min(maxBytes, out.length), Protocol.MAX_DATAGRAM_BYTES);
    if (max < STATS_REPLY_HEADER_SIZE) {
      throw new IllegalArgumentException("reply budget below " + STATS_REPLY_HEADER_SIZE);
    }
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    int room = max - STATS_TEXT_OFFSET;
    int n = utf8.length;
    if (n > room) {
      n = 0;
      for (int i = 0; i < room; i++) {
        if (utf8[i] == '\n') {
          n = i + 1;
        }
      }
    }
    writeHeader(out, Protocol.OP_STATS | Protocol.OP_REPLY_BIT, requestId);
    out[REPLY_RESULT_OFFSET] = (byte) ResultCode.FOUND.wire();
    System.arraycopy(utf8, 0, out, STATS_TEXT_OFFSET, n);
    return STATS_TEXT_OFFSET + n;
  }

  /**
   * Decodes a stats reply.
   *
   * @throws ProtocolException when the datagram is not a valid version 1 stats reply
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not lie within buf
   */
  public static StatsReply decodeStatsReply(byte[] buf, int off, int len)
      throws ProtocolException {
    Header h = readReplyHeader(buf, off, len, Protocol.OP_STATS);
    if (len < STATS_REPLY_HEADER_SIZE) {
      throw h.fail(Reason.TOO_SHORT, "stats reply of " + len + " bytes");
    }
    ResultCode result = readResult(buf, off, h);
    String text;
    try {
      text = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(buf, off + STATS_TEXT_OFFSET, len - STATS_TEXT_OFFSET))
          .toString();
    } catch (CharacterCodingException e) {
      throw h.fail(Reason.BAD_TEXT, "stats text is not UTF-8");
    }
    return new StatsReply(h.requestId, result, text);
  }

  // ---------------------------------------------------------------- shared pieces

  /** The header fields of a datagram, kept to label a rejection. */
  private static final class Header {
    final int version;
    final int opcode;
    final long requestId;

    Header(int version, int opcode, long requestId) {
      this.version = version;
      this.opcode = opcode;
      this.requestId = requestId;
    }

    ProtocolException fail(Reason reason, String message) {
      return new ProtocolException(reason, message, version, opcode, requestId);
    }
  }

  private static Header readReplyHeader(byte[] buf, int off, int len, int requestOpcode)
      throws ProtocolException {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (len < HEADER_SIZE) {
      throw new ProtocolException(Reason.TOO_SHORT, "datagram of " + len + " bytes");
    }
    checkMagic(buf, off);
    Header h = new Header(
        u8(buf, off + VERSION_OFFSET),
        u8(buf, off + OPCODE_OFFSET),
        getI64(buf, off + REQUEST_ID_OFFSET));
    if (len > Protocol.MAX_DATAGRAM_BYTES) {
      throw h.fail(Reason.TOO_LONG, "datagram of " + len + " bytes");
    }
    if (h.version != Protocol.VERSION) {
      throw h.fail(Reason.BAD_VERSION, "version " + h.version);
    }
    if (h.opcode != (requestOpcode | Protocol.OP_REPLY_BIT)) {
      throw h.fail(Reason.BAD_OPCODE, "reply opcode " + h.opcode);
    }
    return h;
  }

  private static ResultCode readResult(byte[] buf, int off, Header h) throws ProtocolException {
    ResultCode result = ResultCode.fromWire(u8(buf, off + REPLY_RESULT_OFFSET));
    if (result == null) {
      throw h.fail(Reason.BAD_RESULT_CODE, "result " + u8(buf, off + REPLY_RESULT_OFFSET));
    }
    return result;
  }

  private static void checkMagic(byte[] buf, int off) throws ProtocolException {
    if (getU16(buf, off + MAGIC_OFFSET) != MAGIC) {
      throw new ProtocolException(Reason.BAD_MAGIC, "magic 0x"
          + Integer.toHexString(getU16(buf, off + MAGIC_OFFSET)));
    }
  }

  private static void writeHeader(byte[] b, int opcode, long requestId) {
    putU16(b, MAGIC_OFFSET, MAGIC);
    b[VERSION_OFFSET] = (byte) Protocol.VERSION;
    b[OPCODE_OFFSET] = (byte) opcode;
    putI64(b, REQUEST_ID_OFFSET, requestId);
  }

  private static int paddedSize(int unpadded, int padToBytes) {
    if (padToBytes > Protocol.MAX_DATAGRAM_BYTES) {
      throw new IllegalArgumentException(
          "padding beyond " + Protocol.MAX_DATAGRAM_BYTES + " bytes: " + padToBytes);
    }
    return Math.max(unpadded, padToBytes);
  }

  private static int familyOf(InetAddress a) {
    return a instanceof Inet6Address ? FAMILY_V6 : FAMILY_V4;
  }

  private static void putAddress(byte[] b, int pos, InetAddress a) {
    byte[] raw = a.getAddress();
    System.arraycopy(raw, 0, b, pos, raw.length);
  }

  /** Writes {@code a}, which must be of the record's family. */
  private static void putAddressAs(byte[] b, int pos, InetAddress a, int family) {
    if (familyOf(a) != family) {
      throw new IllegalArgumentException("record mixes address families: " + a);
    }
    putAddress(b, pos, a);
  }

  private static InetAddress getAddress(byte[] buf, int pos, int family, Header h)
      throws ProtocolException {
    byte[] raw = Arrays.copyOfRange(buf, pos, pos + addressSize(family));
    try {
      if (family == FAMILY_V4) {
        return InetAddress.getByAddress(raw);
      }
      if (isV4Mapped(raw)) {
        throw h.fail(Reason.BAD_ADDRESS, "IPv4-mapped address in an IPv6 field");
      }
      return Inet6Address.getByAddress(null, raw, -1);
    } catch (UnknownHostException e) {
      throw h.fail(Reason.BAD_ADDRESS, "address of " + raw.length + " bytes");
    }
  }

  private static boolean isV4Mapped(byte[] raw) {
    for (int i = 0; i < 10; i++) {
      if (raw[i] != 0) {
        return false;
      }
    }
    return raw[10] == (byte) 0xFF && raw[11] == (byte) 0xFF;
  }

  /** Writes up to 15 visible ASCII characters, NUL-padded; others become '?'. */
  private static void putInterfaceName(byte[] b, int pos, String name) {
    int n = Math.min(name.length(), REC_IFNAME_SIZE - 1);
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      b[pos + i] = (byte) (c > 0x20 && c < 0x7F ? c : '?');
    }
  }

  private static String getInterfaceName(byte[] buf, int pos, Header h)
      throws ProtocolException {
    int n = 0;
    while (n < REC_IFNAME_SIZE && buf[pos + n] != 0) {
      int c = buf[pos + n] & 0xFF;
      if (c <= 0x20 || c >= 0x7F) {
        throw h.fail(Reason.BAD_RECORD, "interface name byte " + c);
      }
      n++;
    }
    if (n == REC_IFNAME_SIZE) {
      throw h.fail(Reason.BAD_RECORD, "interface name without NUL");
    }
    for (int i = n; i < REC_IFNAME_SIZE; i++) {
      if (buf[pos + i] != 0) {
        throw h.fail(Reason.BAD_RECORD, "interface name padding not NUL");
      }
    }
    return new String(buf, pos, n, StandardCharsets.US_ASCII);
  }

  private static int u8(byte[] b, int pos) {
    return b[pos] & 0xFF;
  }

  private static int getU16(byte[] b, int pos) {
    return ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
  }

  private static long getI64(byte[] b, int pos) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[pos + i] & 0xFF);
    }
    return v;
  }

  private static void putU16(byte[] b, int pos, int v) {
    b[pos] = (byte) (v >>> 8);
    b[pos + 1] = (byte) v;
  }

  private static void putI64(byte[] b, int pos, long v) {
    for (int i = 0; i < 8; i++) {
      b[pos + i] = (byte) (v >>> (56 - 8 * i));
    }
  }
}
