package org.trackpeer.daemon.capture;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Sets the nice value of the calling thread. On Linux the nice value belongs to each thread:
 * {@code setpriority(PRIO_PROCESS, 0, n)} changes only the caller, so a capture thread can run
 * ahead of ordinary processes without the collector and compiler threads doing so too.
 */
final class ThreadNice {
  private static final int PRIO_PROCESS = 0;

  private ThreadNice() {}

  /** The C function used, with its prototype. */
  interface LibC extends Library {
    // int setpriority(int which, id_t who, int prio);
    int setpriority(int which, int who, int prio);
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  /**
   * Sets the calling thread's nice value to {@code nice}.
   *
   * @return null when set, else why not (lowering the value needs root or CAP_SYS_NICE)
   */
  static String set(int nice) {
    if (Holder.LIBC.setpriority(PRIO_PROCESS, 0, nice) == 0) {
      return null;
    }
    int errno = Native.getLastError();
    return errno == 13 || errno == 1
        ? "not permitted: needs root or CAP_SYS_NICE"
        : "setpriority failed, errno " + errno;
  }
}
