package org.trackpeer.proto;

import java.util.List;
import java.util.Objects;

/**
 * The agent's answer to one {@link QueryRequest}.
 *
 * @param requestId the request's id, echoed
 * @param result the outcome
 * @param evidence what the answer rests on
 * @param totalMatches how many records match in all (may exceed {@code records.size()} when
 *     the answer is paged)
 * @param more true when a further page exists
 * @param records the matching records of this page
 */
public record QueryReply(
    long requestId,
    ResultCode result,
    Evidence evidence,
    int totalMatches,
    boolean more,
    List<PeerRecord> records) {
  public QueryReply {
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(evidence, "evidence");
    records = List.copyOf(records);
  }

  /** Returns a reply with no records. */
  public static QueryReply of(long requestId, ResultCode result) {
    return new QueryReply(requestId, result, Evidence.NONE, 0, false, List.of());
  }
}
