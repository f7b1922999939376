package org.trackpeer.proto;

/**
 * A datagram that does not follow the wire format. Carries the reason, so the agent can count
 * rejections by kind, and the request header when it could be read, so the agent can answer.
 *
 * <p>No stack trace is captured: rejecting junk datagrams is routine on a public port.
 */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a datagram was rejected. */
  public enum Reason {
    /** Shorter than its header or fixed fields. */
    TOO_SHORT,
    /** Longer than {@link Protocol#MAX_DATAGRAM_BYTES}. */
    TOO_LONG,
    /** The first two bytes are not 'T' 'P'. */
    BAD_MAGIC,
    /** A protocol version this code does not speak. */
    BAD_VERSION,
    /** An unknown opcode, a reply where a request was expected, or the reverse. */
    BAD_OPCODE,
    /** A flag bit this version does not define is set. */
    BAD_FLAGS,
    /** A reserved byte is not zero. */
    BAD_RESERVED,
    /** An address family other than 4 or 6. */
    BAD_FAMILY,
    /** An IP protocol other than 6 (TCP) or 17 (UDP). */
    BAD_PROTOCOL,
    /** An IPv4-mapped IPv6 address where the family says IPv6. */
    BAD_ADDRESS,
    /** The padding after a request's fields holds a non-zero byte. */
    NONZERO_PADDING,
    /** A reply ends inside a record. */
    TRUNCATED_RECORD,
    /** A record field out of its range: VLAN, interface name, MAC bytes, seen times. */
    BAD_RECORD,
    /** The record count disagrees with the total or with the result code. */
    BAD_RECORD_COUNT,
    /** A result code this version does not define. */
    BAD_RESULT_CODE,
    /** An evidence number this version does not define. */
    BAD_EVIDENCE,
    /** Bytes after the last record of a reply. */
    TRAILING_BYTES,
    /** Stats text that is not UTF-8. */
    BAD_TEXT
  }

  private final Reason reason;
  private final boolean headerRead;
  private final int version;
  private final int opcode;
  private final long requestId;

  ProtocolException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
    this.headerRead = false;
    this.version = -1;
    this.opcode = -1;
    this.requestId = 0;
  }

  ProtocolException(Reason reason, String message, int version, int opcode, long requestId) {
    super(message, null, false, false);
    this.reason = reason;
    this.headerRead = true;
    this.version = version;
    this.opcode = opcode;
    this.requestId = requestId;
  }

  /** Returns why the datagram was rejected. */
  public Reason reason() {
    return reason;
  }

  /** Returns true when magic, version, opcode and request id could be read. */
  public boolean headerRead() {
    return headerRead;
  }

  /** Returns the version byte of the datagram, or -1 when the header was not read. */
  public int version() {
    return version;
  }

  /** Returns the opcode byte of the datagram, or -1 when the header was not read. */
  public int opcode() {
    return opcode;
  }

  /** Returns the request id of the datagram, or 0 when the header was not read. */
  public long requestId() {
    return requestId;
  }

  /**
   * Returns true when the agent should send an error reply: the header was read and the
   * datagram is not itself a reply (answering replies could make two agents loop).
   */
  public boolean answerable() {
    return headerRead && (opcode & Protocol.OP_REPLY_BIT) == 0;
  }

  /** Returns the result code an error reply carries: unsupported_version or malformed. */
  public ResultCode resultCode() {
    return reason == Reason.BAD_VERSION ? ResultCode.UNSUPPORTED_VERSION : ResultCode.MALFORMED;
  }
}
