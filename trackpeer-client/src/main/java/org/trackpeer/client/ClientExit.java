package org.trackpeer.client;

import org.trackpeer.proto.ResultCode;

/**
 * Exit statuses of the {@code trackpeer} command. Every agent answer other than found gets its
 * own status, {@link #RESULT_BASE} plus the result's wire number, so scripts can tell them
 * apart without parsing output.
 */
public final class ClientExit {
  /** The agent found exactly one computer; its MAC is on the first line. */
  public static final int FOUND = 0;
  /** An unexpected failure inside the client. */
  public static final int INTERNAL_ERROR = 1;
  /** No reply from the agent within the timeout, after every retry. */
  public static final int NO_ANSWER = 2;
  /** The agent replied with a datagram that does not decode. */
  public static final int BAD_REPLY = 3;
  /** Added to the result code's wire number for every answer other than found. */
  public static final int RESULT_BASE = 10;
  /** {@code --check}: the agent found one computer, but its MAC is not on the allow list. */
  public static final int NOT_LISTED = 30;
  /** The command line is wrong (sysexits EX_USAGE). */
  public static final int USAGE = 64;

  private ClientExit() {}

  /** Returns the exit status for an agent's answer. */
  public static int forResult(ResultCode result) {
    return result == ResultCode.FOUND ? FOUND : RESULT_BASE + result.wire();
  }
}
