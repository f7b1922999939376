package org.trackpeer.daemon;

import java.io.IOException;

/** Starts neighbour-table logging ({@code -maclog}) when the configuration asks for it. */
final class Neighbours {
  private Neighbours() {}

  static void start(DaemonConfig config, Agent agent) throws IOException {
    if (config.maclog() == 0) {
      return;
    }
    throw new IOException("-maclog is not available in this build");
  }
}
