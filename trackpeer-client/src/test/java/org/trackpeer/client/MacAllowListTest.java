package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.net.MacAddress;

final class MacAllowListTest {
  @TempDir Path dir;

  private static MacAllowList parse(String... lines) {
    return MacAllowList.parse(List.of(lines), "allow.list");
  }

  @Test
  void parse_commentsAndBlankLines_keepsOnlyAddresses() {
    MacAllowList l = parse("# printers", "", "02:00:5e:00:01:01   # desk", "   ",
        "02-00-5E-00-01-03", "0200.5e00.0104");
    assertEquals(3, l.addressCount());
    assertEquals(0, l.prefixCount());
    assertTrue(l.contains(MacAddress.parse("02:00:5e:00:01:01")));
    assertTrue(l.contains(MacAddress.parse("02:00:5e:00:01:03")));
    assertTrue(l.contains(MacAddress.parse("02:00:5e:00:01:04")));
    assertFalse(l.contains(MacAddress.parse("02:00:5e:00:01:02")));
  }

  @Test
  void contains_ouiWildcard_matchesWholeVendorBlockOnly() {
    MacAllowList l = parse("00:1B:63:*", "00-50-56-*");
    assertEquals(2, l.prefixCount());
    assertTrue(l.contains(MacAddress.parse("00:1b:63:84:45:e6")));
    assertTrue(l.contains(MacAddress.parse("00:50:56:00:00:01")));
    assertFalse(l.contains(MacAddress.parse("00:1b:64:84:45:e6")));
    assertFalse(l.contains(MacAddress.parse("10:1b:63:84:45:e6")));
  }

  @Test
  void contains_nullMac_isFalse() {
    assertFalse(parse("02:00:5e:00:01:01").contains(null));
  }

  @Test
  void contains_emptyList_admitsNobody() {
    assertFalse(parse("# nobody yet").contains(MacAddress.parse("02:00:5e:00:01:01")));
  }

  @Test
  void parse_badAddress_namesLineNumber() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse("# ok", "02:00:5e:00:01:01", "02:00:5e:00:01"));
    assertTrue(e.getMessage().startsWith("allow.list:3: '02:00:5e:00:01' is not a MAC"),
        e.getMessage());
  }

  @Test
  void parse_badPrefixes_namesLineNumber() {
    for (String bad : List.of("00:1b:*", "00:1b:63*", "00:1b:6g:*", "*", "00:1b:63:84:*",
        "00:1b-63:*")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> parse("", bad), bad);
      assertTrue(e.getMessage().startsWith("allow.list:2: '" + bad + "' is not an OUI prefix"),
          e.getMessage());
    }
  }

  @Test
  void parse_multicastEntries_areRejected() {
    IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
        () -> parse("ff:ff:ff:ff:ff:ff"));
    assertTrue(a.getMessage().startsWith("allow.list:1: "), a.getMessage());
    assertTrue(a.getMessage().contains("group"), a.getMessage());
    IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
        () -> parse("01:00:5e:*"));
    assertTrue(b.getMessage().contains("group"), b.getMessage());
  }

  @Test
  void load_file_readsItAndNamesFileInErrors() throws Exception {
    Path f = dir.resolve("macs");
    Files.writeString(f, "02:00:5e:00:01:01\n00:1b:63:*\n");
    MacAllowList l = MacAllowList.load(f);
    assertEquals(1, l.addressCount());
    assertEquals(1, l.prefixCount());
    Files.writeString(f, "02:00:5e:00:01:01\nnonsense\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MacAllowList.load(f));
    assertTrue(e.getMessage().startsWith(f + ":2: "), e.getMessage());
  }
}
