package org.trackpeer.daemon.capture;

/**
 * The header facts of one captured frame, filled in place by {@link FrameDecoder}.
 *
 * <p>One instance is reused for every frame of a capture thread, so the hot path allocates
 * nothing; read it before the next frame is decoded. Addresses are held in primitives: an IPv4
 * address in an {@code int}, an IPv6 address
 * in two longs (high and low 64 bits, network order).
 */
public final class DecodedFrame {
  /** Value of {@link #vlan} for an untagged frame. */
  public static final int NO_VLAN = -1;

  /** Linux cooked-capture packet type "sent by us" (SLL pkttype 4). */
  public static final int PKTTYPE_OUTGOING = 4;

  /** Capture timestamp, nanoseconds since the Epoch (UTC). */
  public long timestampNanos;

  /** Length of the frame on the wire as reported by the capture (not checked against data). */
  public int wireLength;

  /** Interface index from a Linux cooked-capture v2 header, else -1. */
  public int interfaceIndex;

  /** True when the link layer carried a sender hardware address. */
  public boolean hasSrcMac;

  /** Sender hardware address in the low 48 bits; 0 when {@link #hasSrcMac} is false. */
  public long srcMac;

  /** True when the link layer carried a destination hardware address (not SLL). */
  public boolean hasDstMac;

  /** Destination hardware address in the low 48 bits. */
  public long dstMac;

  /** Innermost 802.1Q VLAN id (0-4095), or {@link #NO_VLAN}. */
  public int vlan;

  /** Outermost VLAN id when two or more tags were stacked, else {@link #NO_VLAN}. */
  public int outerVlan;

  /** SLL packet type (0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing); -1 if none. */
  public int packetType;

  /** 4 or 6 for an IP packet, 0 for anything else. */
  public int ipVersion;

  /** IPv4 source address (when {@link #ipVersion} is 4). */
  public int srcIp4;

  /** IPv4 destination address (when {@link #ipVersion} is 4). */
  public int dstIp4;

  /** IPv6 source address, high 64 bits. */
  public long srcIpHi;

  /** IPv6 source address, low 64 bits. */
  public long srcIpLo;

  /** IPv6 destination address, high 64 bits. */
  public long dstIpHi;

  /** IPv6 destination address, low 64 bits. */
  public long dstIpLo;

  /** IP protocol of the transport header reached (6 TCP, 17 UDP, 58 ICMPv6, ...). */
  public int protocol;

  /** True when both transport ports were read (TCP or UDP, first or only fragment). */
  public boolean hasPorts;

  /** Transport source port (0-65535). */
  public int srcPort;

  /** Transport destination port (0-65535). */
  public int dstPort;

  /** True when the TCP flags and sequence number were read. */
  public boolean hasTcpHeader;

  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  public int tcpFlags;

  /** TCP sequence number, unsigned 32 bits in the low bits. */
  public long tcpSeq;

  /** Offset of the transport payload in the captured bytes, or -1. */
  public int payloadOffset;

  /** Captured length of the transport payload (may be less than sent, by snap length). */
  public int payloadLength;

  /** True for an IPv4 or IPv6 fragment other than the first (no ports). */
  public boolean laterFragment;

  /** Clears every field, ready for the next frame. */
  public void reset() {
    timestampNanos = 0;
    wireLength = 0;
    interfaceIndex = -1;
    hasSrcMac = false;
    srcMac = 0;
    hasDstMac = false;
    dstMac = 0;
    vlan = NO_VLAN;
    outerVlan = NO_VLAN;
    packetType = -1;
    ipVersion = 0;
    srcIp4 = 0;
    dstIp4 = 0;
    srcIpHi = 0;
    srcIpLo = 0;
    dstIpHi = 0;
    dstIpLo = 0;
    protocol = -1;
    hasPorts = false;
    srcPort = 0;
    dstPort = 0;
    hasTcpHeader = false;
    tcpFlags = 0;
    tcpSeq = 0;
    payloadOffset = -1;
    payloadLength = 0;
    laterFragment = false;
  }
}
