package org.trackpeer.daemon.capture;

/** A capture handle could not be opened or read; the message names the source and the cause. */
public final class CaptureException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message is shown to the operator as it is. */
  public CaptureException(String message) {
    super(message);
  }
}
