package org.trackpeer.daemon;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd about start-up and shutdown ({@code Type=notify}) through libsystemd's
 * {@code sd_notify}. The library is loaded on first use and only when {@code NOTIFY_SOCKET} is
 * set, so the agent runs unchanged on systems without systemd.
 */
final class SystemdNotify {
  private static final Logger logger = LoggerFactory.getLogger(SystemdNotify.class);

  /** The one function used from {@code libsystemd.so.0}. */
  interface LibSystemd extends Library {
    int sd_notify(int unsetEnvironment, String state);
  }

  private final String socket;
  private LibSystemd lib;
  private boolean failed;

  SystemdNotify(String notifySocket) {
    this.socket = notifySocket;
  }

  /** A notifier for this process's environment. */
  static SystemdNotify fromEnvironment() {
    return new SystemdNotify(System.getenv("NOTIFY_SOCKET"));
  }

  /** True when systemd asked to be notified. */
  boolean enabled() {
    return socket != null && !socket.isEmpty();
  }

  /** Reports that capture is open and queries are answered. */
  boolean ready(String status) {
    return send("READY=1\nSTATUS=" + status);
  }

  /** Reports that the agent is reloading its configuration. */
  boolean reloading() {
    return send("RELOADING=1");
  }

  /** Reports the reload is done. */
  boolean reloaded(String status) {
    return send("READY=1\nSTATUS=" + status);
  }

  /** Reports that the agent is shutting down. */
  boolean stopping() {
    return send("STOPPING=1");
  }

  /** Sends {@code state}; returns false when not under systemd or the call failed. */
  synchronized boolean send(String state) {
    if (!enabled() || failed) {
      return false;
    }
    try {
      if (lib == null) {
        lib = Native.load("libsystemd.so.0", LibSystemd.class);
      }
    } catch (UnsatisfiedLinkError e) {
      failed = true;
      logger.warn("NOTIFY_SOCKET is set but libsystemd.so.0 cannot be loaded: {}",
          e.getMessage());
      return false;
    }
    int rc = lib.sd_notify(0, state);
    if (rc < 0) {
      logger.warn("sd_notify failed with error {}", -rc);
      return false;
    }
    return rc > 0;
  }
}
