package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DaemonConfigCaptureTest {
  @TempDir Path dir;

  private DaemonConfig.Raw defaults() throws ConfigException {
    return DaemonConfig.Raw.load(dir.resolve("absent.conf"), false);
  }

  @Test
  void validate_captureNice_defaultsToZeroAndIsRead() throws Exception {
    assertEquals(0, defaults().validate().captureNice());
    assertEquals(-10, defaults().set("capture-nice", "-10", "test").validate().captureNice());
  }

  @Test
  void validate_captureNiceOutOfRange_namesKey() {
    ConfigException up = assertThrows(ConfigException.class,
        () -> defaults().set("capture-nice", "5", "test").validate());
    assertTrue(up.getMessage().contains("capture-nice"), up.getMessage());
    assertThrows(ConfigException.class,
        () -> defaults().set("capture-nice", "-21", "test").validate());
  }

  @Test
  void validate_captureReader_defaultsToRingAndIsRead() throws Exception {
    assertEquals("ring", defaults().validate().captureReader());
    assertEquals("libpcap",
        defaults().set("capture-reader", " LibPcap ", "test").validate().captureReader());
  }

  @Test
  void validate_captureReaderUnknown_namesKeyAndChoices() {
    ConfigException bad = assertThrows(ConfigException.class,
        () -> defaults().set("capture-reader", "pfring", "test").validate());
    assertTrue(bad.getMessage().contains("capture-reader"), bad.getMessage());
    assertTrue(bad.getMessage().contains("ring or libpcap"), bad.getMessage());
  }
}
