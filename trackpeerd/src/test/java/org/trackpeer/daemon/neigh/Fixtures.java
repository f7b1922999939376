package org.trackpeer.daemon.neigh;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Loads the hand-written table fixtures under {@code src/test/resources/neigh}. */
final class Fixtures {
  private Fixtures() {}

  static String text(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/neigh/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path path(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/neigh/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static OuiVendors vendors() {
    return new OuiVendors(List.of(path("oui.txt")));
  }

  static String arpHeader() {
    return "IP address       HW type     Flags       HW address            Mask     Device\n";
  }

  static String arpRow(String ip, String flags, String mac, String dev) {
    return String.format("%-16s 0x1         %-11s %-21s *        %s%n", ip, flags, mac, dev);
  }
}
