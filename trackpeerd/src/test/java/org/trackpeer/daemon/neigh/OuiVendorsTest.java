package org.trackpeer.daemon.neigh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.Locale;
import org.junit.jupiter.api.Test;

final class OuiVendorsTest {
  @Test
  void vendor_debianIeeeData_loadsWholeListAndAnswersAscii() {
    assumeTrue(Files.isRegularFile(OuiVendors.DEBIAN_FILES.get(0)),
        "Debian package ieee-data not installed");
    OuiVendors v = new OuiVendors(OuiVendors.DEBIAN_FILES);
    assertTrue(v.size() > 10_000, "entries: " + v.size());
    String xerox = v.vendor(0x000000_123456L);
    assertTrue(xerox != null && xerox.toUpperCase(Locale.ROOT).contains("XEROX"), xerox);
    assertNull(v.vendor(0x02005e_000101L));
    for (long oui : new long[] {0x00D0EF, 0x002272, 0x001B63}) {
      String name = v.vendor(oui << 24);
      assertTrue(name == null || name.chars().allMatch(c -> c >= 0x20 && c < 0x7f), name);
    }
    assertEquals(v.vendor(0x00D0EF_000001L), v.vendor(0x00D0EF_FFFFFEL));
  }
}
