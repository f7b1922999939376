package org.trackpeer.daemon.neigh;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.trackpeer.net.MacAddress;

/**
 * Parses the two text forms of the kernel's neighbour table.
 *
 * <p>{@code /proc/net/arp} (IPv4) has a header line, then one row per entry: IP address, HW
 * type, flags (hex: 0x2 complete, 0x4 ATF_PERM, 0x8 ATF_PUBL), HW address, mask, device.
 * {@code ip -6 neigh show} prints {@code ADDR dev DEV [lladdr MAC] [router] [proxy] STATE...}.
 *
 * <p>Rows that name no host are skipped and counted as skipped: incomplete (flags 0x0, zero MAC),
 * FAILED or INCOMPLETE without lladdr, non-Ethernet hardware types, all-zero, broadcast and
 * multicast MACs. Rows that cannot be read are counted as bad; parsing never throws.
 */
final class NeighbourParser {
  private static final int ARPHRD_ETHER = 1;
  private static final int ATF_COM = 0x2;
  private static final int ATF_PERM = 0x4;
  private static final int ATF_PUBL = 0x8;

  /** Running counts of rows not turned into entries. */
  static final class Counts {
    volatile long badLines;
    volatile long skippedLines;
  }

  private NeighbourParser() {}

  /** Parses the contents of {@code /proc/net/arp}, appending usable rows to {@code out}. */
  static void parseArp(String text, List<NeighbourEntry> out, Counts counts) {
    boolean first = true;
    for (String line : text.split("\n")) {
      if (first) {
        first = false;
        if (line.startsWith("IP address")) {
          continue;
        }
      }
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.strip().split("\\s+");
      if (f.length != 6) {
        counts.badLines++;
        continue;
      }
      Integer hwType = hex(f[1]);
      Integer flags = hex(f[2]);
      String ip = ipv4(f[0]);
      String dev = device(f[5]);
      if (hwType == null || flags == null || ip == null || dev == null) {
        counts.badLines++;
        continue;
      }
      if (hwType != ARPHRD_ETHER) {
        counts.skippedLines++;
        continue;
      }
      Long mac = mac(f[3]);
      if (mac == null) {
        counts.badLines++;
        continue;
      }
      if ((flags & (ATF_COM | ATF_PERM)) == 0 || !MacAddress.of(mac).isUnicastHost()) {
        counts.skippedLines++;
        continue;
      }
      int bits = ((flags & ATF_PERM) != 0 ? NeighbourEntry.PERMANENT : 0)
          | ((flags & ATF_PUBL) != 0 ? NeighbourEntry.PROXY : 0);
      out.add(new NeighbourEntry(dev, ip, mac, bits));
    }
  }

  /** Parses {@code ip -6 neigh show} output, appending usable rows to {@code out}. */
  static void parseIpNeigh(String text, List<NeighbourEntry> out, Counts counts) {
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.strip().split("\\s+");
      String ip = ipv6(f[0]);
      if (ip == null) {
        counts.badLines++;
        continue;
      }
      String dev = null;
      Long mac = null;
      boolean bad = false;
      boolean unusable = false;
      int bits = 0;
      for (int i = 1; i < f.length && !bad; i++) {
        String w = f[i];
        switch (w) {
          case "dev":
            dev = i + 1 < f.length ? device(f[++i]) : null;
            bad = dev == null;
            break;
          case "lladdr":
            mac = i + 1 < f.length ? mac(f[++i]) : null;
            bad = mac == null;
            break;
          case "router":
            bits |= NeighbourEntry.ROUTER;
            break;
          case "proxy":
            bits |= NeighbourEntry.PROXY;
            break;
          case "PERMANENT":
            bits |= NeighbourEntry.PERMANENT;
            break;
          case "FAILED":
          case "INCOMPLETE":
          case "NONE":
            unusable = true;
            break;
          case "probes":
          case "vrf":
          case "protocol":
            i++;
            break;
          default:
            // REACHABLE, STALE, DELAY, PROBE, NOARP, extern_learn, offload, managed: present.
            break;
        }
      }
      if (bad || dev == null) {
        counts.badLines++;
        continue;
      }
      if (unusable || mac == null || !MacAddress.of(mac).isUnicastHost()) {
        counts.skippedLines++;
        continue;
      }
      out.add(new NeighbourEntry(dev, ip, mac, bits));
    }
  }

  private static Integer hex(String s) {
    if (!s.startsWith("0x") || s.length() < 3 || s.length() > 10) {
      return null;
    }
    try {
      return Integer.parseUnsignedInt(s.substring(2), 16);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Long mac(String s) {
    if (s.length() != 17) {
      return null;
    }
    try {
      return MacAddress.parse(s).toLong();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Accepts a Linux device name: 1 to 15 printable ASCII characters, no '/' or ':'. */
  private static String device(String s) {
    if (s.isEmpty() || s.length() > 15) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c > 0x7e || c == '/' || c == '"' || c == '=') {
        return null;
      }
    }
    return s;
  }

  static String ipv4(String s) {
    String[] p = s.split("\\.", -1);
    if (p.length != 4) {
      return null;
    }
    for (String q : p) {
      if (q.isEmpty() || q.length() > 3 || !q.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(q) > 255) {
        return null;
      }
    }
    return s;
  }

  static String ipv6(String s) {
    if (s.length() < 2 || s.length() > 45 || s.indexOf(':') < 0) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80 || (Character.digit(c, 16) < 0 && c != ':' && c != '.')) {
        return null;
      }
    }
    try {
      InetAddress.getByName(s);
    } catch (UnknownHostException | RuntimeException e) {
      return null;
    }
    return s.toLowerCase(Locale.ROOT);
  }

  /** Convenience for tests and the watcher: both tables into one list. */
  static List<NeighbourEntry> parseBoth(String arp, String ipNeigh, Counts counts) {
    List<NeighbourEntry> out = new ArrayList<>();
    parseArp(arp, out, counts);
    parseIpNeigh(ipNeigh, out, counts);
    return out;
  }
}
