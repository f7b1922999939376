package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a HUP, TERM or INT does before and after the agent is ready (no signal is sent). */
final class SignalsTest {
  @Test
  void hangUp_beforeReady_remembersAndReloadsOnceWhenReady() {
    Signals s = new Signals();
    AtomicInteger reloads = new AtomicInteger();
    s.hangUp();
    s.hangUp();
    assertEquals(0, reloads.get());
    s.onHangUp(reloads::incrementAndGet);
    assertEquals(1, reloads.get(), "two early HUPs make one reload");
    s.hangUp();
    assertEquals(2, reloads.get());
  }

  @Test
  void hangUp_none_noReloadWhenReady() {
    Signals s = new Signals();
    AtomicInteger reloads = new AtomicInteger();
    s.onHangUp(reloads::incrementAndGet);
    assertEquals(0, reloads.get());
  }

  @Test
  void requestStop_beforeWaiting_stopRequestedAndWaitReturns() throws InterruptedException {
    Signals s = new Signals();
    assertFalse(s.stopRequested());
    s.requestStop();
    assertTrue(s.stopRequested());
    s.awaitStop();
  }
}
