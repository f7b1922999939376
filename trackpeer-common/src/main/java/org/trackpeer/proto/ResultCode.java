package org.trackpeer.proto;

/** The outcome of a query, with its number on the wire (see docs/protocol.md). */
public enum ResultCode {
  /** Exactly one LAN computer (one MAC) matches. */
  FOUND(0),
  /** Nothing in the retained window matches, and the window is complete. */
  NOT_FOUND(1),
  /** Two or more different MACs match; all are listed. */
  AMBIGUOUS(2),
  /** The asked time lies outside the window the agent retains. */
  OUTSIDE_WINDOW(3),
  /** The request could not be decoded. */
  MALFORMED(4),
  /** The client is not allowed to ask, or its authentication failed. */
  REFUSED(5),
  /** A wildcard query ({@code -time 0}) was asked and the agent does not allow it. */
  WILDCARD_DISABLED(6),
  /** The agent cannot answer yet: its capture is not running. */
  NOT_READY(7),
  /**
   * Nothing matches, but the agent's record of the asked window has holes (capture drops,
   * evictions, lost conntrack events), so the computer may have been missed.
   */
  INCOMPLETE(8),
  /** The request's protocol version is not one the agent speaks. */
  UNSUPPORTED_VERSION(9),
  /** The client asked too often and is being rate-limited. */
  RATE_LIMITED(10);

  private final int wire;

  ResultCode(int wire) {
    this.wire = wire;
  }

  /** Returns the number carried on the wire. */
  public int wire() {
    return wire;
  }

  /** Returns the code for a wire number, or null if the number is unknown. */
  public static ResultCode fromWire(int wire) {
    for (ResultCode c : values()) {
      if (c.wire == wire) {
        return c;
      }
    }
    return null;
  }

  /** Returns the lower-case name used in CLI and JSON output, e.g. {@code not_found}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
