package org.trackpeer.client;

import java.util.List;
import java.util.Objects;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.ResultCode;

/**
 * The outcome of checking a connection's peer against a {@link MacAllowList}.
 *
 * <p>Only {@link Outcome#ALLOWED} admits; every other outcome denies, including every doubt
 * (no answer, an ambiguous or incomplete answer). {@link #exitStatus()} is the status the
 * {@code trackpeer --check} command exits with for it.
 *
 * @param outcome what the check concluded
 * @param result the agent's result code, or null when no decodable answer came
 * @param macs the MACs the agent named (empty when none)
 * @param reason one line for logs, e.g. {@code found 02:00:5e:00:01:01, not listed}
 */
public record Decision(Outcome outcome, ResultCode result, List<MacAddress> macs, String reason) {

  /** How a check ended. */
  public enum Outcome {
    /** The agent found one computer and its MAC is listed. */
    ALLOWED,
    /** The agent found one computer, but its MAC is not listed (or it sent no MAC). */
    NOT_LISTED,
    /** The agent answered with a result other than found; see {@link Decision#result()}. */
    NOT_FOUND_OR_UNSURE,
    /** No reply from the agent within the timeout, after every retry. */
    NO_ANSWER,
    /** The agent's reply did not decode. */
    BAD_REPLY
  }

  public Decision {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(reason, "reason");
    macs = List.copyOf(macs);
  }

  /** Returns true only for {@link Outcome#ALLOWED}. */
  public boolean allowed() {
    return outcome == Outcome.ALLOWED;
  }

  /** Returns the {@code trackpeer --check} exit status for this decision (see ClientExit). */
  public int exitStatus() {
    switch (outcome) {
      case ALLOWED:
        return ClientExit.FOUND;
      case NOT_LISTED:
        return ClientExit.NOT_LISTED;
      case NO_ANSWER:
        return ClientExit.NO_ANSWER;
      case BAD_REPLY:
        return ClientExit.BAD_REPLY;
      default:
        return ClientExit.forResult(result);
    }
  }
}
