package org.trackpeer.daemon.capture;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The kernel's index of a network interface by name, in the caller's network namespace.
 *
 * <p>A packet socket stays bound to the index it was opened on. When an interface is deleted
 * and another one created under the same name, libpcap may not notice and keep reading a socket
 * that will never see a frame again; comparing the index now with the index at open tells.
 */
final class LinkIndex {
  private LinkIndex() {}

  /** The C function used, with its prototype. */
  interface LibC extends Library {
    // unsigned int if_nametoindex(const char *ifname);
    int if_nametoindex(String name);
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  /** Returns the index of interface {@code name}, or 0 when there is no such interface. */
  static int of(String name) {
    return Holder.LIBC.if_nametoindex(name);
  }
}
