package org.trackpeer.daemon.neigh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trackpeer.daemon.IoReason;
import org.trackpeer.net.MacAddress;

/**
 * Vendor names from the IEEE MA-L (OUI) list as installed by Debian's {@code ieee-data}.
 *
 * <p>Layout: two parallel sorted arrays, 24-bit OUI keys in an {@code int[]} and names in a
 * {@code String[]}, searched by binary search; names are shared when repeated. About 40,000
 * entries take roughly 2 MB. The file is read on the first lookup, not at start, so a router that
 * never sees a new host never pays for it. When no file exists every lookup answers null.
 */
final class OuiVendors {
  private static final Logger logger = LoggerFactory.getLogger(OuiVendors.class);

  /** Debian's locations, tried in order. */
  static final List<Path> DEBIAN_FILES =
      List.of(Path.of("/usr/share/ieee-data/oui.txt"), Path.of("/usr/share/ieee-data/oui.csv"));

  private final List<Path> files;
  private int[] keys;
  private String[] names;

  OuiVendors(List<Path> files) {
    this.files = List.copyOf(files);
  }

  /** Returns the vendor of a globally administered unicast MAC, or null when unknown. */
  synchronized String vendor(long mac) {
    MacAddress m = MacAddress.of(mac);
    if (m.isLocallyAdministered() || m.isMulticast()) {
      return null;
    }
    if (keys == null) {
      load();
    }
    int i = Arrays.binarySearch(keys, m.oui());
    return i >= 0 ? names[i] : null;
  }

  /** Returns the number of entries loaded (loading them if not done yet). */
  synchronized int size() {
    if (keys == null) {
      load();
    }
    return keys.length;
  }

  private void load() {
    Map<Integer, String> map = new HashMap<>();
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        continue;
      }
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(Files.newInputStream(f), StandardCharsets.UTF_8))) {
        boolean csv = f.getFileName().toString().endsWith(".csv");
        String line;
        while ((line = r.readLine()) != null) {
          if (csv) {
            readCsvLine(line, map);
          } else {
            readTxtLine(line, map);
          }
        }
      } catch (IOException e) {
        logger.warn("cannot read OUI list {}: {}", f, IoReason.of(e));
        map.clear();
        continue;
      }
      if (!map.isEmpty()) {
        logger.info("loaded {} vendor prefixes from {}", map.size(), f);
        break;
      }
    }
    Integer[] sorted = map.keySet().toArray(new Integer[0]);
    Arrays.sort(sorted);
    keys = new int[sorted.length];
    names = new String[sorted.length];
    Map<String, String> shared = new HashMap<>();
    for (int i = 0; i < sorted.length; i++) {
      keys[i] = sorted[i];
      String n = map.get(sorted[i]);
      names[i] = shared.computeIfAbsent(n, k -> k);
    }
  }

  /** {@code 002272     (base 16)\t\tAmerican Micro-Fuel Device Corp.} */
  private static void readTxtLine(String line, Map<Integer, String> map) {
    int mark = line.indexOf("(base 16)");
    if (mark < 6) {
      return;
    }
    Integer key = key(line.substring(0, 6));
    String name = clean(line.substring(mark + 9));
    if (key != null && !name.isEmpty()) {
      map.putIfAbsent(key, name);
    }
  }

  /** {@code MA-L,002272,American Micro-Fuel Device Corp.,address} with CSV quoting. */
  private static void readCsvLine(String line, Map<Integer, String> map) {
    List<String> f = csvFields(line, 3);
    if (f.size() < 3 || !f.get(0).equals("MA-L")) {
      return;
    }
    Integer key = f.get(1).length() == 6 ? key(f.get(1)) : null;
    String name = clean(f.get(2));
    if (key != null && !name.isEmpty()) {
      map.putIfAbsent(key, name);
    }
  }

  private static List<String> csvFields(String line, int max) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length() && out.size() < max; i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (out.size() < max) {
      out.add(cur.toString());
    }
    return out;
  }

  private static Integer key(String hex) {
    int v = 0;
    for (int i = 0; i < 6; i++) {
      int d = Character.digit(hex.charAt(i), 16);
      if (d < 0) {
        return null;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  /**
   * Makes a vendor name safe for a quoted log field: printable ASCII only (others become '?'),
   * double quotes and backslashes become apostrophes, runs of blanks collapse to one space.
   */
  static String clean(String raw) {
    StringBuilder b = new StringBuilder(raw.length());
    boolean space = false;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == ' ' || c == '\t') {
        space = b.length() > 0;
        continue;
      }
      if (space) {
        b.append(' ');
        space = false;
      }
      if (c == '"' || c == '\\') {
        b.append('\'');
      } else if (c < 0x20 || c > 0x7e) {
        b.append('?');
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
