package org.trackpeer.daemon;

/** A configuration value or option is wrong; the message names it, its value and what is allowed. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message is printed as it is. */
  public ConfigException(String message) {
    super(message);
  }
}
