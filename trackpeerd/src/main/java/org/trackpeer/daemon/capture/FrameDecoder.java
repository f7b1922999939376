package org.trackpeer.daemon.capture;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Decodes the link, network and transport headers of a captured frame into a
 * {@link DecodedFrame}, straight from the capture buffer.
 *
 * <p>Design: one pass of index arithmetic over the byte array. Every read is preceded by a
 * bounds check against the end of the captured bytes (and, for IP, against the end the IP length
 * fields allow), so no input can make it throw, and each way a frame can be unusable ends in its
 * own {@link DecodeOutcome}. Nothing is allocated per frame. Loops are bounded: at most
 * {@link #MAX_VLAN_TAGS} VLAN tags and {@link #MAX_IPV6_EXT_HEADERS} IPv6 extension headers.
 *
 * <p>Supported link types (pcap DLT values): 1 Ethernet, 113 Linux cooked v1, 276 Linux cooked
 * v2, 101 and 12 raw IP, 0 BSD loopback. The decoder holds no mutable state; the record it fills
 * belongs to the caller.
 */
public final class FrameDecoder {
  /** pcap DLT of BSD loopback: a 4-byte address family in the capturing host's order. */
  public static final int DLT_NULL = 0;
  /** pcap DLT of Ethernet II. */
  public static final int DLT_EN10MB = 1;
  /** pcap DLT of raw IP as numbered by Linux libpcap. */
  public static final int DLT_RAW = 12;
  /** pcap link type of raw IP as stored in files. */
  public static final int LINKTYPE_RAW = 101;
  /** pcap DLT of Linux cooked capture v1. */
  public static final int DLT_LINUX_SLL = 113;
  /** pcap DLT of Linux cooked capture v2. */
  public static final int DLT_LINUX_SLL2 = 276;

  /** Most stacked VLAN tags followed before {@link DecodeOutcome#TOO_MANY_VLAN_TAGS}. */
  public static final int MAX_VLAN_TAGS = 8;
  /** Most IPv6 extension headers followed before {@link DecodeOutcome#EXT_CHAIN_TOO_LONG}. */
  public static final int MAX_IPV6_EXT_HEADERS = 16;

  private static final int KIND_UNSUPPORTED = 0;
  private static final int KIND_ETHERNET = 1;
  private static final int KIND_SLL = 2;
  private static final int KIND_SLL2 = 3;
  private static final int KIND_RAW = 4;
  private static final int KIND_NULL = 5;

  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int ETHERTYPE_IPV6 = 0x86dd;
  private static final int ETHERTYPE_VLAN = 0x8100;
  private static final int ETHERTYPE_QINQ = 0x88a8;
  private static final int ETHERTYPE_QINQ_OLD = 0x9100;

  private static final int PROTO_HOPOPT = 0;
  private static final int PROTO_TCP = 6;
  private static final int PROTO_UDP = 17;
  private static final int PROTO_ROUTING = 43;
  private static final int PROTO_FRAGMENT = 44;
  private static final int PROTO_AH = 51;
  private static final int PROTO_DSTOPTS = 60;
  private static final int PROTO_MOBILITY = 135;
  private static final int PROTO_HIP = 139;
  private static final int PROTO_SHIM6 = 140;

  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final int linkType;
  private final int kind;

  /** Creates a decoder for frames of the given pcap data-link type. */
  public FrameDecoder(int linkType) {
    this.linkType = linkType;
    this.kind = kindOf(linkType);
  }

  /** Returns the data-link type this decoder was made for. */
  public int linkType() {
    return linkType;
  }

  /** Returns true when frames of this decoder's link type can be decoded at all. */
  public boolean isSupported() {
    return kind != KIND_UNSUPPORTED;
  }

  private static int kindOf(int linkType) {
    switch (linkType) {
      case DLT_EN10MB:
        return KIND_ETHERNET;
      case DLT_LINUX_SLL:
        return KIND_SLL;
      case DLT_LINUX_SLL2:
        return KIND_SLL2;
      case DLT_RAW:
      case LINKTYPE_RAW:
        return KIND_RAW;
      case DLT_NULL:
        return KIND_NULL;
      default:
        return KIND_UNSUPPORTED;
    }
  }

  /**
   * Decodes one frame: resets {@code out}, fills what the headers give and returns the outcome.
   *
   * <p>The frame is {@code buf[off .. off + capLen)}; {@code wireLen} is its length on the wire
   * and is only recorded. {@link DecodedFrame#payloadOffset} is relative to {@code off}. Never
   * throws; a null {@code out} or a range outside {@code buf} gives
   * {@link DecodeOutcome#INVALID_ARGUMENT}.
   */
  public DecodeOutcome decode(
      byte[] buf, int off, int capLen, int wireLen, long timestampNanos, DecodedFrame out) {
    if (out == null) {
      return DecodeOutcome.INVALID_ARGUMENT;
    }
    out.reset();
    out.timestampNanos = timestampNanos;
    out.wireLength = wireLen;
    if (buf == null || off < 0 || capLen < 0 || off > buf.length || capLen > buf.length - off) {
      return DecodeOutcome.INVALID_ARGUMENT;
    }
    int end = off + capLen;
    switch (kind) {
      case KIND_ETHERNET:
        return decodeEthernet(buf, off, end, out);
      case KIND_SLL:
        return decodeSll(buf, off, end, out);
      case KIND_SLL2:
        return decodeSll2(buf, off, end, out);
      case KIND_RAW:
        return decodeRaw(buf, off, end, out);
      case KIND_NULL:
        return decodeNull(buf, off, end, out);
      default:
        return DecodeOutcome.UNSUPPORTED_LINK;
    }
  }

  private static DecodeOutcome decodeEthernet(byte[] b, int off, int end, DecodedFrame out) {
    if (end - off < 14) {
      return DecodeOutcome.TRUNCATED_LINK;
    }
    out.dstMac = mac(b, off);
    out.hasDstMac = true;
    out.srcMac = mac(b, off + 6);
    out.hasSrcMac = true;
    return decodeEthertype(b, off, off + 14, end, u16(b, off + 12), out);
  }

  private static DecodeOutcome decodeSll(byte[] b, int off, int end, DecodedFrame out) {
    if (end - off < 16) {
      return DecodeOutcome.TRUNCATED_LINK;
    }
    out.packetType = u16(b, off);
    if (u16(b, off + 4) == 6) {
      out.srcMac = mac(b, off + 6);
      out.hasSrcMac = true;
    }
    return decodeEthertype(b, off, off + 16, end, u16(b, off + 14), out);
  }

  private static DecodeOutcome decodeSll2(byte[] b, int off, int end, DecodedFrame out) {
    if (end - off < 20) {
      return DecodeOutcome.TRUNCATED_LINK;
    }
    out.interfaceIndex = (int) INT_BE.get(b, off + 4);
    out.packetType = b[off + 10] & 0xff;
    if ((b[off + 11] & 0xff) == 6) {
      out.srcMac = mac(b, off + 12);
      out.hasSrcMac = true;
    }
    return decodeEthertype(b, off, off + 20, end, u16(b, off), out);
  }

  private static DecodeOutcome decodeRaw(byte[] b, int off, int end, DecodedFrame out) {
    if (end - off < 1) {
      return DecodeOutcome.TRUNCATED_IP;
    }
    int version = (b[off] & 0xff) >>> 4;
    if (version == 4) {
      return decodeIpv4(b, off, off, end, out);
    }
    if (version == 6) {
      return decodeIpv6(b, off, off, end, out);
    }
    return DecodeOutcome.BAD_IP_VERSION;
  }

  private static DecodeOutcome decodeNull(byte[] b, int off, int end, DecodedFrame out) {
    if (end - off < 4) {
      return DecodeOutcome.TRUNCATED_LINK;
    }
    int family = (int) INT_BE.get(b, off);
    if ((family & 0xffff0000) != 0) {
      family = Integer.reverseBytes(family);
    }
    switch (family) {
      case 2:
        return decodeIpv4(b, off, off + 4, end, out);
      case 10:
      case 24:
      case 28:
      case 30:
        return decodeIpv6(b, off, off + 4, end, out);
      default:
        return DecodeOutcome.NOT_IP;
    }
  }

  private static DecodeOutcome decodeEthertype(
      byte[] b, int off, int p, int end, int type, DecodedFrame out) {
    int tags = 0;
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
      if (tags == MAX_VLAN_TAGS) {
        return DecodeOutcome.TOO_MANY_VLAN_TAGS;
      }
      if (end - p < 4) {
        return DecodeOutcome.TRUNCATED_VLAN;
      }
      int vid = u16(b, p) & 0x0fff;
      if (tags == 0) {
        out.outerVlan = vid;
      }
      out.vlan = vid;
      tags++;
      type = u16(b, p + 2);
      p += 4;
    }
    if (tags < 2) {
      out.outerVlan = DecodedFrame.NO_VLAN;
    }
    if (type == ETHERTYPE_IPV4) {
      return decodeIpv4(b, off, p, end, out);
    }
    if (type == ETHERTYPE_IPV6) {
      return decodeIpv6(b, off, p, end, out);
    }
    return DecodeOutcome.NOT_IP;
  }

  private static DecodeOutcome decodeIpv4(byte[] b, int off, int p, int end, DecodedFrame out) {
    int avail = end - p;
    if (avail < 1) {
      return DecodeOutcome.TRUNCATED_IP;
    }
    int vihl = b[p] & 0xff;
    if ((vihl >>> 4) != 4) {
      return DecodeOutcome.BAD_IP_VERSION;
    }
    int headerLen = (vihl & 0x0f) << 2;
    if (headerLen < 20) {
      return DecodeOutcome.BAD_IPV4_HEADER_LENGTH;
    }
    if (avail < headerLen) {
      return DecodeOutcome.TRUNCATED_IP;
    }
    int totalLen = u16(b, p + 2);
    if (totalLen != 0 && totalLen < headerLen) {
      return DecodeOutcome.BAD_IP_LENGTH;
    }
    // Total length 0 is what a TSO / BIG TCP capture shows: the captured bytes are the packet.
    int ipEnd = (totalLen != 0 && totalLen < avail) ? p + totalLen : end;
    out.ipVersion = 4;
    out.srcIp4 = (int) INT_BE.get(b, p + 12);
    out.dstIp4 = (int) INT_BE.get(b, p + 16);
    int protocol = b[p + 9] & 0xff;
    out.protocol = protocol;
    if ((u16(b, p + 6) & 0x1fff) != 0) {
      out.laterFragment = true;
      return DecodeOutcome.IP_NO_PORTS;
    }
    return decodeTransport(b, off, p + headerLen, ipEnd, protocol, out);
  }

  private static DecodeOutcome decodeIpv6(byte[] b, int off, int p, int end, DecodedFrame out) {
    int avail = end - p;
    if (avail < 1) {
      return DecodeOutcome.TRUNCATED_IP;
    }
    if (((b[p] & 0xff) >>> 4) != 6) {
      return DecodeOutcome.BAD_IP_VERSION;
    }
    if (avail < 40) {
      return DecodeOutcome.TRUNCATED_IP;
    }
    int payloadLen = u16(b, p + 4);
    // Payload length 0 is a jumbogram (hop-by-hop option) or a GSO capture: use what was captured.
    int ipEnd = (payloadLen != 0 && payloadLen < avail - 40) ? p + 40 + payloadLen : end;
    out.ipVersion = 6;
    out.srcIpHi = (long) LONG_BE.get(b, p + 8);
    out.srcIpLo = (long) LONG_BE.get(b, p + 16);
    out.dstIpHi = (long) LONG_BE.get(b, p + 24);
    out.dstIpLo = (long) LONG_BE.get(b, p + 32);
    int next = b[p + 6] & 0xff;
    int q = p + 40;
    int headers = 0;
    while (true) {
      switch (next) {
        case PROTO_HOPOPT:
        case PROTO_ROUTING:
        case PROTO_DSTOPTS:
        case PROTO_MOBILITY:
        case PROTO_HIP:
        case PROTO_SHIM6:
          if (++headers > MAX_IPV6_EXT_HEADERS) {
            return DecodeOutcome.EXT_CHAIN_TOO_LONG;
          }
          if (ipEnd - q < 2) {
            return DecodeOutcome.TRUNCATED_EXT_HEADER;
          }
          next = b[q] & 0xff;
          q += ((b[q + 1] & 0xff) + 1) << 3;
          break;
        case PROTO_AH:
          if (++headers > MAX_IPV6_EXT_HEADERS) {
            return DecodeOutcome.EXT_CHAIN_TOO_LONG;
          }
          if (ipEnd - q < 2) {
            return DecodeOutcome.TRUNCATED_EXT_HEADER;
          }
          next = b[q] & 0xff;
          q += ((b[q + 1] & 0xff) + 2) << 2;
          break;
        case PROTO_FRAGMENT:
          if (++headers > MAX_IPV6_EXT_HEADERS) {
            return DecodeOutcome.EXT_CHAIN_TOO_LONG;
          }
          if (ipEnd - q < 8) {
            return DecodeOutcome.TRUNCATED_EXT_HEADER;
          }
          next = b[q] & 0xff;
          if ((u16(b, q + 2) & 0xfff8) != 0) {
            out.protocol = next;
            out.laterFragment = true;
            return DecodeOutcome.IP_NO_PORTS;
          }
          q += 8;
          break;
        default:
          // Transport, ICMPv6, ESP (50) and no-next-header (59) all end the walk.
          return decodeTransport(b, off, q, ipEnd, next, out);
      }
    }
  }

  private static DecodeOutcome decodeTransport(
      byte[] b, int off, int q, int ipEnd, int protocol, DecodedFrame out) {
    out.protocol = protocol;
    if (protocol != PROTO_TCP && protocol != PROTO_UDP) {
      return DecodeOutcome.IP_NO_PORTS;
    }
    int avail = ipEnd - q;
    if (avail < 4) {
      return DecodeOutcome.IP_NO_PORTS;
    }
    out.srcPort = u16(b, q);
    out.dstPort = u16(b, q + 2);
    out.hasPorts = true;
    int payload;
    if (protocol == PROTO_TCP) {
      if (avail < 14) {
        return DecodeOutcome.FLOW;
      }
      out.tcpSeq = ((int) INT_BE.get(b, q + 4)) & 0xffff_ffffL;
      out.tcpFlags = b[q + 13] & 0xff;
      out.hasTcpHeader = true;
      int dataOffset = ((b[q + 12] & 0xff) >>> 4) << 2;
      if (dataOffset < 20) {
        return DecodeOutcome.FLOW;
      }
      payload = q + dataOffset;
    } else {
      payload = q + 8;
    }
    if (payload <= ipEnd) {
      out.payloadOffset = payload - off;
      out.payloadLength = ipEnd - payload;
    }
    return DecodeOutcome.FLOW;
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  private static long mac(byte[] b, int i) {
    return ((long) u16(b, i) << 32) | (((int) INT_BE.get(b, i + 2)) & 0xffff_ffffL);
  }
}
