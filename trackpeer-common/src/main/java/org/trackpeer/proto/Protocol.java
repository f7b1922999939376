package org.trackpeer.proto;

/** Protocol-wide numbers of the trackpeer query protocol (see docs/protocol.md). */
public final class Protocol {
  /** The UDP port the agent listens on unless configured otherwise. */
  public static final int DEFAULT_PORT = 7709;

  /** The protocol version this code speaks. */
  public static final int VERSION = 1;

  /** Opcode of a query for the computer behind a flow. */
  public static final int OP_QUERY = 1;

  /** Opcode of a request for the agent's counters. */
  public static final int OP_STATS = 2;

  /** Set in the opcode of every reply; a request never has it. */
  public static final int OP_REPLY_BIT = 0x80;

  /** The largest datagram either side sends or accepts (an Ethernet MTU less IPv4 and UDP). */
  public static final int MAX_DATAGRAM_BYTES = 1472;

  private Protocol() {}

  /** Returns true for an opcode this version defines for requests. */
  public static boolean isKnownRequestOpcode(int opcode) {
    return opcode == OP_QUERY || opcode == OP_STATS;
  }
}
