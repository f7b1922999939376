package org.trackpeer.client;

/** The agent did not answer within the timeout, after every retry, or could not be reached. */
public final class NoAnswerException extends Exception {
  private static final long serialVersionUID = 1L;

  NoAnswerException(String message, Throwable cause) {
    super(message, cause);
  }
}
