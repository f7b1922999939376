package org.trackpeer.daemon.nat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Reads ctnetlink messages (conntrack events and dump replies) out of the bytes of one netlink
 * datagram.
 *
 * <p>A datagram holds netlink messages back to back: a 16-byte {@code nlmsghdr} (length, type,
 * flags, sequence, port id, in host byte order), then for the conntrack subsystem a 4-byte
 * {@code nfgenmsg}, then attributes ({@code nlattr}: 16-bit length and type in host order, the
 * value, padding to 4 bytes). Tuples are nested attributes; addresses, ports, ids and status
 * are in network order. Any byte string is accepted: a message that does not hold together is
 * counted as malformed and skipped, and the parser never throws.
 */
final class ConntrackParser {
  static final int NLMSG_HDRLEN = 16;
  static final int NLMSG_NOOP = 1;
  static final int NLMSG_ERROR = 2;
  static final int NLMSG_DONE = 3;
  static final int NLMSG_OVERRUN = 4;
  static final int NLM_F_CREATE = 0x400;
  static final int NFNL_SUBSYS_CTNETLINK = 1;
  static final int IPCTNL_MSG_CT_NEW = 0;
  static final int IPCTNL_MSG_CT_GET = 1;
  static final int IPCTNL_MSG_CT_DELETE = 2;
  static final int NFGENMSG_LEN = 4;

  static final int CTA_TUPLE_ORIG = 1;
  static final int CTA_TUPLE_REPLY = 2;
  static final int CTA_STATUS = 3;
  static final int CTA_ID = 12;
  static final int CTA_TIMESTAMP = 20;
  static final int CTA_TIMESTAMP_START = 1;
  static final int CTA_TIMESTAMP_STOP = 2;
  static final int CTA_TUPLE_IP = 1;
  static final int CTA_TUPLE_PROTO = 2;
  static final int CTA_IP_V4_SRC = 1;
  static final int CTA_IP_V4_DST = 2;
  static final int CTA_IP_V6_SRC = 3;
  static final int CTA_IP_V6_DST = 4;
  static final int CTA_PROTO_NUM = 1;
  static final int CTA_PROTO_SRC_PORT = 2;
  static final int CTA_PROTO_DST_PORT = 3;

  private static final int NLA_TYPE_MASK = 0x3fff;
  private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  /** What a conntrack message says happened. */
  enum Kind {
    /** A new connection (event with NLM_F_CREATE). */
    NEW,
    /** An existing connection: an update event or a dump reply. */
    UPDATE,
    /** The connection was destroyed. */
    DESTROY
  }

  /** One direction of a connection. */
  record Tuple(int protocol, InetAddress src, int srcPort, InetAddress dst, int dstPort) {}

  /**
   * One conntrack message: both tuples, the kernel's id and status bits, and the start and stop
   * times (wall clock, nanoseconds since the Epoch) when the router keeps timestamps
   * ({@code net.netfilter.nf_conntrack_timestamp}); absent values are 0.
   */
  record Event(
      Kind kind, Tuple orig, Tuple reply, long id, long status, long startNanos, long stopNanos) {}

  /** Receives what a datagram holds. */
  interface Handler {
    /** A conntrack message with two complete tuples. */
    void event(Event e);

    /** The end of a dump. */
    default void done() {}

    /** A netlink error or acknowledgement; {@code errno} is positive, 0 for an ack. */
    default void error(int errno) {}
  }

  private long messages;
  private long events;
  private long malformed;
  private long ignored;

  /** Netlink messages read. */
  long messages() {
    return messages;
  }

  /** Conntrack messages handed on as events. */
  long events() {
    return events;
  }

  /** Messages that did not hold together. */
  long malformed() {
    return malformed;
  }

  /** Well-formed messages without use here (other subsystems, no ports, ...). */
  long ignored() {
    return ignored;
  }

  /** Parses the first {@code length} bytes of {@code buf}; never throws. */
  void parse(byte[] buf, int length, Handler handler) {
    int end = Math.min(Math.max(length, 0), buf.length);
    int off = 0;
    while (end - off >= NLMSG_HDRLEN) {
      int msgLen = u32(buf, off);
      if (msgLen < NLMSG_HDRLEN || msgLen > end - off) {
        malformed++;
        return;
      }
      messages++;
      try {
        message(buf, off, msgLen, handler);
      } catch (RuntimeException e) {
        // a handler failure must not stop the reader; count it with the bad messages
        malformed++;
      }
      off += align(msgLen);
    }
    if (off < end) {
      malformed++;
    }
  }

  private void message(byte[] buf, int off, int len, Handler handler) {
    int type = u16(buf, off + 4);
    int flags = u16(buf, off + 6);
    switch (type) {
      case NLMSG_NOOP:
      case NLMSG_OVERRUN:
        ignored++;
        return;
      case NLMSG_DONE:
        handler.done();
        return;
      case NLMSG_ERROR:
        if (len < NLMSG_HDRLEN + 4) {
          malformed++;
          return;
        }
        handler.error(-s32(buf, off + NLMSG_HDRLEN));
        return;
      default:
        break;
    }
    if (type >> 8 != NFNL_SUBSYS_CTNETLINK) {
      ignored++;
      return;
    }
    Kind kind;
    int msg = type & 0xff;
    if (msg == IPCTNL_MSG_CT_NEW) {
      kind = (flags & NLM_F_CREATE) != 0 ? Kind.NEW : Kind.UPDATE;
    } else if (msg == IPCTNL_MSG_CT_DELETE) {
      kind = Kind.DESTROY;
    } else {
      ignored++;
      return;
    }
    int start = off + NLMSG_HDRLEN + NFGENMSG_LEN;
    int end = off + len;
    if (start > end) {
      malformed++;
      return;
    }
    TupleReader[] tuples = new TupleReader[3];
    long[] idAndStatus = new long[2];
    long[] times = new long[3];
    boolean wellFormed =
        forEachAttribute(buf, start, end, (attr, vs, ve) -> {
          switch (attr) {
            case CTA_TUPLE_ORIG:
            case CTA_TUPLE_REPLY:
              tuples[attr] = readTuple(buf, vs, ve);
              return tuples[attr] != null;
            case CTA_ID:
            case CTA_STATUS:
              if (ve - vs >= 4) {
                idAndStatus[attr == CTA_ID ? 0 : 1] = u32be(buf, vs);
              }
              return true;
            case CTA_TIMESTAMP:
              return readTimes(buf, vs, ve, times);
            default:
              return true;
          }
        });
    TupleReader orig = tuples[CTA_TUPLE_ORIG];
    TupleReader reply = tuples[CTA_TUPLE_REPLY];
    long id = idAndStatus[0];
    long status = idAndStatus[1];
    if (!wellFormed) {
      malformed++;
      return;
    }
    if (orig == null || reply == null) {
      malformed++;
      return;
    }
    Tuple o = orig.tuple();
    Tuple r = reply.tuple();
    if (o == null || r == null) {
      ignored++;
      return;
    }
    events++;
    handler.event(new Event(kind, o, r, id, status, times[CTA_TIMESTAMP_START],
        times[CTA_TIMESTAMP_STOP]));
  }

  /** Receives one netlink attribute: its type and where its value starts and ends. */
  private interface AttributeVisitor {
    /** Returns false when the attribute does not hold together. */
    boolean visit(int type, int valueStart, int valueEnd);
  }

  /**
   * Walks the attributes between {@code start} and {@code end}; returns false when one is cut
   * short or its visitor rejects it.
   */
  private static boolean forEachAttribute(
      byte[] buf, int start, int end, AttributeVisitor visitor) {
    int p = start;
    while (end - p >= 4) {
      int alen = u16(buf, p);
      int atype = u16(buf, p + 2) & NLA_TYPE_MASK;
      if (alen < 4 || alen > end - p) {
        return false;
      }
      if (!visitor.visit(atype, p + 4, p + alen)) {
        return false;
      }
      p += align(alen);
    }
    return true;
  }

  /** Reads a CTA_TUPLE_* nest; returns null if it does not hold together. */
  private static TupleReader readTuple(byte[] buf, int start, int end) {
    TupleReader t = new TupleReader();
    boolean ok = forEachAttribute(buf, start, end, (type, vs, ve) -> {
      if (type == CTA_TUPLE_IP) {
        return readIp(buf, vs, ve, t);
      } else if (type == CTA_TUPLE_PROTO) {
        return readProto(buf, vs, ve, t);
      }
      return true;
    });
    return ok ? t : null;
  }

  /** Reads a CTA_TIMESTAMP nest into times[START] and times[STOP]. */
  private static boolean readTimes(byte[] buf, int start, int end, long[] times) {
    return forEachAttribute(buf, start, end, (type, vs, ve) -> {
      if ((type == CTA_TIMESTAMP_START || type == CTA_TIMESTAMP_STOP) && ve - vs >= 8) {
        long v = (u32be(buf, vs) << 32) | u32be(buf, vs + 4);
        times[type] = v > 0 ? v : 0;
      }
      return true;
    });
  }

  private static boolean readIp(byte[] buf, int start, int end, TupleReader t) {
    return forEachAttribute(buf, start, end, (type, vs, ve) -> {
      int size = ve - vs;
      boolean v4 = type == CTA_IP_V4_SRC || type == CTA_IP_V4_DST;
      boolean v6 = type == CTA_IP_V6_SRC || type == CTA_IP_V6_DST;
      if (!v4 && !v6) {
        return true;
      }
      if (size != (v4 ? 4 : 16)) {
        return false;
      }
      InetAddress a = address(buf, vs, size);
      if (a == null) {
        return false;
      }
      if (type == CTA_IP_V4_SRC || type == CTA_IP_V6_SRC) {
        t.src = a;
      } else {
        t.dst = a;
      }
      return true;
    });
  }

  private static boolean readProto(byte[] buf, int start, int end, TupleReader t) {
    return forEachAttribute(buf, start, end, (type, vs, ve) -> {
      int size = ve - vs;
      if (type == CTA_PROTO_NUM) {
        if (size < 1) {
          return false;
        }
        t.protocol = buf[vs] & 0xff;
      } else if (type == CTA_PROTO_SRC_PORT || type == CTA_PROTO_DST_PORT) {
        if (size < 2) {
          return false;
        }
        int port = ((buf[vs] & 0xff) << 8) | (buf[vs + 1] & 0xff);
        if (type == CTA_PROTO_SRC_PORT) {
          t.srcPort = port;
        } else {
          t.dstPort = port;
        }
      }
      return true;
    });
  }

  private static InetAddress address(byte[] buf, int off, int size) {
    byte[] a = new byte[size];
    System.arraycopy(buf, off, a, 0, size);
    try {
      return InetAddress.getByAddress(a);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** A tuple being read; complete once both addresses, the protocol and both ports are set. */
  private static final class TupleReader {
    InetAddress src;
    InetAddress dst;
    int protocol = -1;
    int srcPort = -1;
    int dstPort = -1;

    Tuple tuple() {
      if (src == null || dst == null || protocol < 0 || srcPort < 0 || dstPort < 0) {
        return null;
      }
      return new Tuple(protocol, src, srcPort, dst, dstPort);
    }
  }

  static int align(int len) {
    return (len + 3) & ~3;
  }

  private static int u16(byte[] b, int off) {
    int lo = b[off] & 0xff;
    int hi = b[off + 1] & 0xff;
    return LITTLE ? lo | (hi << 8) : (lo << 8) | hi;
  }

  private static int u32(byte[] b, int off) {
    int x0 = b[off] & 0xff;
    int x1 = b[off + 1] & 0xff;
    int x2 = b[off + 2] & 0xff;
    int x3 = b[off + 3] & 0xff;
    return LITTLE
        ? x0 | (x1 << 8) | (x2 << 16) | (x3 << 24)
        : (x0 << 24) | (x1 << 16) | (x2 << 8) | x3;
  }

  private static int s32(byte[] b, int off) {
    return u32(b, off);
  }

  private static long u32be(byte[] b, int off) {
    return ((long) (b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16)
        | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
  }
}
