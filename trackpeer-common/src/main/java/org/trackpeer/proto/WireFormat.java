package org.trackpeer.proto;

/**
 * Byte offsets and sizes of the version 1 wire format; docs/protocol.md has the same layout as
 * tables. All integers are big-endian.
 *
 * <p>Every datagram starts with the same 12-byte header: magic, version, opcode, request id.
 * A request continues with a flags byte; a reply with a result code. Query requests then carry
 * the flow, and are padded with zeros to the size of the answer the client is willing to take:
 * the agent never answers with more bytes than it received.
 */
public final class WireFormat {
  /** The two magic bytes 'T' 'P' as one big-endian number. */
  public static final int MAGIC = 0x5450;

  public static final int MAGIC_OFFSET = 0;
  public static final int MAGIC_SIZE = 2;
  public static final int VERSION_OFFSET = 2;
  public static final int VERSION_SIZE = 1;
  public static final int OPCODE_OFFSET = 3;
  public static final int OPCODE_SIZE = 1;
  public static final int REQUEST_ID_OFFSET = 4;
  public static final int REQUEST_ID_SIZE = 8;
  /** Size of the header every datagram starts with. */
  public static final int HEADER_SIZE = 12;

  // Requests (query and stats).
  public static final int REQ_FLAGS_OFFSET = 12;
  public static final int REQ_FLAGS_SIZE = 1;
  /** Request flag: an authentication trailer follows the fixed fields (see {@link Auth}). */
  public static final int REQ_FLAG_AUTH = 0x01;
  /** The smallest stats request: header and flags; zero padding may follow. */
  public static final int STATS_REQUEST_SIZE = 13;

  // Query requests.
  public static final int REQ_PROTOCOL_OFFSET = 13;
  public static final int REQ_PROTOCOL_SIZE = 1;
  public static final int REQ_FAMILY_OFFSET = 14;
  public static final int REQ_FAMILY_SIZE = 1;
  /** One reserved byte that keeps the 16-bit fields aligned; sent and required as zero. */
  public static final int REQ_RESERVED_OFFSET = 15;
  public static final int REQ_RESERVED_SIZE = 1;
  public static final int REQ_TOLERANCE_OFFSET = 16;
  public static final int REQ_TOLERANCE_SIZE = 2;
  public static final int REQ_PAGE_OFFSET = 18;
  public static final int REQ_PAGE_SIZE = 2;
  public static final int REQ_TIME_OFFSET = 20;
  public static final int REQ_TIME_SIZE = 8;
  public static final int REQ_SRC_PORT_OFFSET = 28;
  public static final int REQ_SRC_PORT_SIZE = 2;
  public static final int REQ_DST_PORT_OFFSET = 30;
  public static final int REQ_DST_PORT_SIZE = 2;
  /** The source address (4 or 16 bytes), followed by the destination address of equal size. */
  public static final int REQ_SRC_ADDR_OFFSET = 32;
  /** Size of a query request's fields before the two addresses. */
  public static final int REQ_FIXED_SIZE = 32;
  /** Size of an unpadded IPv4 query request. */
  public static final int QUERY_REQUEST_V4_SIZE = REQ_FIXED_SIZE + 2 * 4;
  /** Size of an unpadded IPv6 query request. */
  public static final int QUERY_REQUEST_V6_SIZE = REQ_FIXED_SIZE + 2 * 16;

  // Replies (query and stats).
  public static final int REPLY_RESULT_OFFSET = 12;
  public static final int REPLY_RESULT_SIZE = 1;
  /** Stats replies: the text starts right after the result code. */
  public static final int STATS_TEXT_OFFSET = 13;
  /** Size of a stats reply with no text. */
  public static final int STATS_REPLY_HEADER_SIZE = 13;

  // Query replies.
  public static final int REPLY_EVIDENCE_OFFSET = 13;
  public static final int REPLY_EVIDENCE_SIZE = 1;
  public static final int REPLY_FLAGS_OFFSET = 14;
  public static final int REPLY_FLAGS_SIZE = 1;
  /** Reply flag: a further page of records exists. */
  public static final int REPLY_FLAG_MORE = 0x01;
  public static final int REPLY_COUNT_OFFSET = 15;
  public static final int REPLY_COUNT_SIZE = 1;
  public static final int REPLY_TOTAL_OFFSET = 16;
  public static final int REPLY_TOTAL_SIZE = 2;
  /** Size of a query reply before its records. */
  public static final int REPLY_HEADER_SIZE = 18;
  /** The most records one reply can carry (the count is one byte). */
  public static final int REPLY_COUNT_MAX = 255;
  /** The largest total-matches value; larger totals are sent as this value. */
  public static final int REPLY_TOTAL_MAX = 0xFFFF;

  // Records, offsets relative to the record's first byte.
  public static final int REC_FAMILY_OFFSET = 0;
  public static final int REC_FAMILY_SIZE = 1;
  public static final int REC_FLAGS_OFFSET = 1;
  public static final int REC_FLAGS_SIZE = 1;
  /** Record flag: the MAC field holds the computer's hardware address. */
  public static final int REC_FLAG_MAC = 0x01;
  public static final int REC_MAC_OFFSET = 2;
  public static final int REC_MAC_SIZE = 6;
  public static final int REC_VLAN_OFFSET = 8;
  public static final int REC_VLAN_SIZE = 2;
  /** VLAN field value for an untagged frame. */
  public static final int VLAN_NONE = 0xFFFF;
  public static final int REC_INSIDE_PORT_OFFSET = 10;
  public static final int REC_INSIDE_PORT_SIZE = 2;
  public static final int REC_DST_PORT_OFFSET = 12;
  public static final int REC_DST_PORT_SIZE = 2;
  public static final int REC_FIRST_SEEN_OFFSET = 14;
  public static final int REC_FIRST_SEEN_SIZE = 8;
  public static final int REC_LAST_SEEN_OFFSET = 22;
  public static final int REC_LAST_SEEN_SIZE = 8;
  public static final int REC_IFNAME_OFFSET = 30;
  public static final int REC_IFNAME_SIZE = 16;
  /** The inside address (4 or 16 bytes), followed by the destination address of equal size. */
  public static final int REC_ADDR_OFFSET = 46;
  /** Size of a record's fields before the two addresses. */
  public static final int REC_FIXED_SIZE = 46;
  /** Size of a record with IPv4 addresses. */
  public static final int RECORD_V4_SIZE = REC_FIXED_SIZE + 2 * 4;
  /** Size of a record with IPv6 addresses. */
  public static final int RECORD_V6_SIZE = REC_FIXED_SIZE + 2 * 16;

  /** Address family value for IPv4. */
  public static final int FAMILY_V4 = 4;
  /** Address family value for IPv6. */
  public static final int FAMILY_V6 = 6;

  private WireFormat() {}

  /** Returns the address size of a family, or -1 for an unknown family. */
  public static int addressSize(int family) {
    return family == FAMILY_V4 ? 4 : family == FAMILY_V6 ? 16 : -1;
  }
}
