package org.trackpeer.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.trackpeer.net.MacAddress;

/**
 * The MAC addresses a decision admits, read from a text file.
 *
 * <p>One entry a line: a full address ({@code 02:00:5e:00:01:01}, also with {@code -} or in
 * Cisco dotted form) or an OUI prefix {@code 00:1b:63:*} that admits every address of that
 * vendor block. {@code #} starts a comment; blank lines are ignored. A line that is neither is
 * an error naming the line, never skipped: a typo must not silently shrink or widen the list.
 * Group (multicast) addresses are refused as entries, since no computer sends from one.
 */
public final class MacAllowList {
  private final Set<Long> macs;
  private final Set<Integer> ouis;

  private MacAllowList(Set<Long> macs, Set<Integer> ouis) {
    this.macs = Set.copyOf(macs);
    this.ouis = Set.copyOf(ouis);
  }

  /** Reads the list from {@code file} (UTF-8). */
  public static MacAllowList load(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IllegalArgumentException(file + ": not UTF-8 text");
    }
    return parse(lines, file.toString());
  }

  /**
   * Parses the lines of a list; {@code name} prefixes error messages.
   *
   * @throws IllegalArgumentException naming the first bad line as {@code name:LINE: ...}
   */
  public static MacAllowList parse(List<String> lines, String name) {
    Set<Long> macs = new HashSet<>();
    Set<Integer> ouis = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String where = name + ":" + (i + 1) + ": ";
      if (line.endsWith("*")) {
        ouis.add(parseOui(line, where));
        continue;
      }
      MacAddress mac;
      try {
        mac = MacAddress.parse(line);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + "'" + line
            + "' is not a MAC address (02:00:5e:00:01:01) or OUI prefix (00:1b:63:*)");
      }
      if (mac.isMulticast()) {
        throw new IllegalArgumentException(where + "'" + line
            + "' is a group (multicast) address; no computer sends from it");
      }
      macs.add(mac.toLong());
    }
    return new MacAllowList(macs, ouis);
  }

  private static int parseOui(String line, String where) {
    String prefix = line.substring(0, line.length() - 1);
    if (prefix.length() == 9 && (prefix.charAt(8) == ':' || prefix.charAt(8) == '-')) {
      char sep = prefix.charAt(8);
      if (prefix.charAt(2) == sep && prefix.charAt(5) == sep) {
        String hex = prefix.substring(0, 2) + prefix.substring(3, 5) + prefix.substring(6, 8);
        if (hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
          int oui = Integer.parseInt(hex, 16);
          if ((oui & 0x010000) != 0) {
            throw new IllegalArgumentException(where + "'" + line
                + "' is a group (multicast) prefix; no computer sends from it");
          }
          return oui;
        }
      }
    }
    throw new IllegalArgumentException(where + "'" + line
        + "' is not an OUI prefix; expected three hex pairs and '*', e.g. 00:1b:63:*");
  }

  /** Returns true when {@code mac} is listed, by itself or by its OUI prefix. */
  public boolean contains(MacAddress mac) {
    return mac != null && (macs.contains(mac.toLong()) || ouis.contains(mac.oui()));
  }

  /** Returns the number of full addresses listed. */
  public int addressCount() {
    return macs.size();
  }

  /** Returns the number of OUI prefixes listed. */
  public int prefixCount() {
    return ouis.size();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "MacAllowList[%d addresses, %d prefixes]",
        macs.size(), ouis.size());
  }
}
