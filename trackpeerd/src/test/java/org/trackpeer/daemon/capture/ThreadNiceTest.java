package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

final class ThreadNiceTest {
  @Test
  void set_currentValueOnOwnThread_isAllowed() throws Exception {
    AtomicReference<String> result = new AtomicReference<>("not run");
    Thread t = new Thread(() -> result.set(ThreadNice.set(0)));
    t.start();
    t.join();
    assertNull(result.get());
  }
}
