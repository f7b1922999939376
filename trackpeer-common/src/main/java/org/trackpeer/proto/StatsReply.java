package org.trackpeer.proto;

import java.util.Objects;

/**
 * The agent's answer to a stats request.
 *
 * @param requestId the request's id, echoed
 * @param result {@link ResultCode#FOUND} when the text follows; otherwise why not (for example
 *     {@link ResultCode#REFUSED})
 * @param text counter lines {@code name value\n}, possibly cut at a line end to fit
 */
public record StatsReply(long requestId, ResultCode result, String text) {
  public StatsReply {
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(text, "text");
  }
}
