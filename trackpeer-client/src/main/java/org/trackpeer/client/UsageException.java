package org.trackpeer.client;

/**
 * A command line the {@code trackpeer} command cannot run, found after parsing (a missing or
 * conflicting option, an unreadable file); reported in one line with exit status 64.
 */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
