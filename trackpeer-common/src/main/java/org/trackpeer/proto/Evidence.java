package org.trackpeer.proto;

/** What an answer rests on, with its number on the wire (see docs/protocol.md). */
public enum Evidence {
  /** No match, or not applicable. */
  NONE(0),
  /** The whole 5-tuple matched a flow seen on the LAN side (no address translation). */
  FIVE_TUPLE(1),
  /** The router's public address was asked; protocol, destination and source port matched. */
  PORT_MATCH(2),
  /** A NAT translation learned from the router's connection tracking matched. */
  TRANSLATION(3),
  /** An outside flow was paired with its inside flow by a capture box beside the router. */
  PAIRED_CAPTURE(4);

  private final int wire;

  Evidence(int wire) {
    this.wire = wire;
  }

  /** Returns the number carried on the wire. */
  public int wire() {
    return wire;
  }

  /** Returns the evidence for a wire number, or null if the number is unknown. */
  public static Evidence fromWire(int wire) {
    for (Evidence e : values()) {
      if (e.wire == wire) {
        return e;
      }
    }
    return null;
  }

  /** Returns the lower-case name used in CLI and JSON output, e.g. {@code port_match}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
