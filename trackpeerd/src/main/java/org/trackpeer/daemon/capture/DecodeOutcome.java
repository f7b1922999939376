package org.trackpeer.daemon.capture;

/**
 * What {@link FrameDecoder} made of one frame.
 *
 * <p>The first three values are normal traffic; every other value names the reason a frame was
 * rejected and exists so that a counter can say why. When {@link DecodedFrame#ipVersion} is not 0
 * the IP addresses in the frame record are valid, whatever the outcome.
 */
public enum DecodeOutcome {
  /** IPv4 or IPv6 carrying TCP or UDP, both ports read (first or only fragment). */
  FLOW,
  /** IP packet without readable ports: ICMP, other protocols, later fragments, ESP, cut ports. */
  IP_NO_PORTS,
  /** A well-formed link frame that does not carry IP: ARP, LLDP, STP, PPPoE, 802.3 length. */
  NOT_IP,
  /** The link type given to the decoder is not one it understands; nothing was read. */
  UNSUPPORTED_LINK,
  /** Null buffer or an offset or captured length outside the buffer. */
  INVALID_ARGUMENT,
  /** The captured bytes end inside the link-layer header (Ethernet, SLL, SLL2, NULL). */
  TRUNCATED_LINK,
  /** The captured bytes end inside a VLAN tag. */
  TRUNCATED_VLAN,
  /** More stacked VLAN tags than the decoder follows. */
  TOO_MANY_VLAN_TAGS,
  /** The captured bytes end inside the fixed IPv4 or IPv6 header or the IPv4 options. */
  TRUNCATED_IP,
  /** The IP version nibble does not match the link-layer protocol (or is neither 4 nor 6). */
  BAD_IP_VERSION,
  /** IPv4 header length field below 5 words. */
  BAD_IPV4_HEADER_LENGTH,
  /** IPv4 total length is non-zero but smaller than the IPv4 header. */
  BAD_IP_LENGTH,
  /** The captured bytes end inside an IPv6 extension header. */
  TRUNCATED_EXT_HEADER,
  /** More IPv6 extension headers than the decoder follows. */
  EXT_CHAIN_TOO_LONG;

  /** Returns true for a named rejection reason, false for FLOW, IP_NO_PORTS and NOT_IP. */
  public boolean isRejection() {
    return this != FLOW && this != IP_NO_PORTS && this != NOT_IP;
  }
}
