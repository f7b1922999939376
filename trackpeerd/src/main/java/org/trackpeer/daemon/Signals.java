package org.trackpeer.daemon;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HUP, TERM and INT handling. Installed first thing in {@code main}, so that a
 * signal during start-up neither ends the JVM with 129 or 143 nor is lost: TERM or INT ends
 * the start-up with status 0, and a HUP is remembered and applied (a reload) once the agent
 * is ready.
 */
final class Signals {
  private static final Logger logger = LoggerFactory.getLogger(Signals.class);

  private final CountDownLatch stop = new CountDownLatch(1);
  private Runnable reload;
  private boolean hangUpPending;

  /** Handles HUP, TERM and INT from now on; returns the handler to wire the agent to. */
  static Signals install() {
    Signals s = new Signals();
    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> s.hangUp());
    for (String name : new String[] {"TERM", "INT"}) {
      sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> s.requestStop());
    }
    return s;
  }

  /** A HUP: reloads when the agent is ready, otherwise remembers it for {@link #onHangUp}. */
  void hangUp() {
    Runnable r;
    synchronized (this) {
      r = reload;
      hangUpPending |= r == null;
    }
    if (r == null) {
      logger.info("SIGHUP during start-up: the configuration is reloaded once the agent is ready");
    } else {
      r.run();
    }
  }

  /** Makes {@code r} what a HUP does from now on; runs it at once for a HUP that came before. */
  void onHangUp(Runnable r) {
    boolean pending;
    synchronized (this) {
      reload = r;
      pending = hangUpPending;
      hangUpPending = false;
    }
    if (pending) {
      logger.info("applying the SIGHUP received during start-up");
      r.run();
    }
  }

  /** A TERM or INT: ends {@link #awaitStop}, now or as soon as it is called. */
  void requestStop() {
    stop.countDown();
  }

  /** Returns true once a TERM or INT came. */
  boolean stopRequested() {
    return stop.getCount() == 0;
  }

  /** Waits for a TERM or INT. */
  void awaitStop() throws InterruptedException {
    stop.await();
  }
}
