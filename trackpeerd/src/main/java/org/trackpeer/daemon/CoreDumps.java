package org.trackpeer.daemon;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Turns core dumps off for this process, so a crash cannot write the flow cache (MACs and
 * connection tuples) to disk. The JVM's own heap dumps are turned off by the launcher.
 */
final class CoreDumps {
  /** Linux resource number of the core file size limit. */
  private static final int RLIMIT_CORE = 4;

  /** The one libc call needed. */
  private interface CLibrary extends Library {
    int setrlimit(int resource, long[] limit);
  }

  private CoreDumps() {}

  /** Sets the soft and hard core size limits to 0; returns false when that failed. */
  static boolean disable() {
    try {
      CLibrary c = Native.load("c", CLibrary.class);
      return c.setrlimit(RLIMIT_CORE, new long[] {0L, 0L}) == 0;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return false;
    }
  }
}
