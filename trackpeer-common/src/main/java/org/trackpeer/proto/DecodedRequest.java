package org.trackpeer.proto;

/**
 * A request as decoded from one datagram.
 *
 * @param version the protocol version of the request (always {@link Protocol#VERSION} today)
 * @param opcode {@link Protocol#OP_QUERY} or {@link Protocol#OP_STATS}
 * @param requestId the id the reply must echo
 * @param flags the request flags byte
 * @param query the query for {@link Protocol#OP_QUERY}, null for {@link Protocol#OP_STATS}
 * @param datagramBytes the datagram's total size, padding included: the most the reply may use
 */
public record DecodedRequest(
    int version, int opcode, long requestId, int flags, QueryRequest query, int datagramBytes) {

  /** Returns true for a stats request. */
  public boolean isStats() {
    return opcode == Protocol.OP_STATS;
  }

  /** Returns true when the client flagged an authentication trailer. */
  public boolean authenticated() {
    return (flags & WireFormat.REQ_FLAG_AUTH) != 0;
  }
}
