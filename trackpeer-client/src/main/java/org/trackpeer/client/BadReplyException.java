package org.trackpeer.client;

import org.trackpeer.proto.ProtocolException;

/** The agent answered, but its reply does not follow the protocol. */
public final class BadReplyException extends Exception {
  private static final long serialVersionUID = 1L;

  BadReplyException(String message, ProtocolException cause) {
    super(message, cause);
  }

  /** Returns why the reply was rejected, or null when it decoded but did not fit the request. */
  public ProtocolException.Reason reason() {
    return getCause() instanceof ProtocolException
        ? ((ProtocolException) getCause()).reason()
        : null;
  }
}
