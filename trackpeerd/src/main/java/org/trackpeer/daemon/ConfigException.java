package org.trackpeer.daemon;

/** A configuration value or option is wrong; the message names it, its value and what is allowed. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean commandLine;

  /** Creates an exception whose message is printed as it is. */
  public ConfigException(String message) {
    this(message, false);
  }

  /** Creates an exception; {@code commandLine} when the bad value came from an option. */
  public ConfigException(String message, boolean commandLine) {
    super(message);
    this.commandLine = commandLine;
  }

  /** Returns true when the bad value was given on the command line (a usage error). */
  public boolean commandLine() {
    return commandLine;
  }
}
