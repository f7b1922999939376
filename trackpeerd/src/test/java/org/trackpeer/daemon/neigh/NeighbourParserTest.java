package org.trackpeer.daemon.neigh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.MacAddress;

final class NeighbourParserTest {
  private static NeighbourEntry entry(String dev, String ip, String mac, int flags) {
    return new NeighbourEntry(dev, ip, MacAddress.parse(mac).toLong(), flags);
  }

  @Test
  void parseArp_mixedRows_keepsHostsSkipsTheRest() {
    NeighbourParser.Counts c = new NeighbourParser.Counts();
    List<NeighbourEntry> out = new ArrayList<>();
    NeighbourParser.parseArp(Fixtures.text("arp-mixed.txt"), out, c);
    assertEquals(List.of(
        entry("eth0", "192.0.2.11", "02:00:5e:00:01:01", 0),
        entry("eth0.100", "192.0.2.12", "00:22:72:aa:bb:cc", 0),
        entry("eth0", "192.0.2.14", "00:d0:ef:00:00:14", NeighbourEntry.PERMANENT),
        entry("eth0", "192.0.2.15", "00:d0:ef:00:00:15",
            NeighbourEntry.PERMANENT | NeighbourEntry.PROXY)), out);
    assertEquals(5, c.skippedLines);
    assertEquals(0, c.badLines);
  }

  @Test
  void parseIpNeigh_mixedRows_keepsHostsSkipsFailedIncompleteMulticast() {
    NeighbourParser.Counts c = new NeighbourParser.Counts();
    List<NeighbourEntry> out = new ArrayList<>();
    NeighbourParser.parseIpNeigh(Fixtures.text("ip6-mixed.txt"), out, c);
    assertEquals(List.of(
        entry("eth0", "2001:db8:1::11", "02:00:5e:00:01:01", 0),
        entry("eth0", "2001:db8:1::20", "00:d0:ef:00:00:20", NeighbourEntry.ROUTER),
        entry("eth0.100", "2001:db8:1::23", "00:22:72:aa:bb:cc", 0),
        entry("eth0", "2001:db8:1::25", "00:d0:ef:00:00:25", NeighbourEntry.PERMANENT)), out);
    assertEquals(5, c.skippedLines);
    assertEquals(0, c.badLines);
  }

  @Test
  void parseArp_damagedRows_countedBadGoodRowKept() {
    NeighbourParser.Counts c = new NeighbourParser.Counts();
    List<NeighbourEntry> out = new ArrayList<>();
    NeighbourParser.parseArp(Fixtures.text("arp-bad.txt"), out, c);
    assertEquals(List.of(entry("eth1", "192.0.2.34", "02:00:5e:00:01:34", 0)), out);
    assertEquals(4, c.badLines);
  }

  @Test
  void parseIpNeigh_damagedRows_countedBadGoodRowKept() {
    NeighbourParser.Counts c = new NeighbourParser.Counts();
    List<NeighbourEntry> out = new ArrayList<>();
    NeighbourParser.parseIpNeigh(Fixtures.text("ip6-bad.txt"), out, c);
    assertEquals(List.of(entry("eth1", "2001:db8:1::34", "02:00:5e:00:01:34", 0)), out);
    assertEquals(4, c.badLines);
  }

  @Test
  void parseIpNeigh_upperCaseAndExtraWords_normalisedAndAccepted() {
    NeighbourParser.Counts c = new NeighbourParser.Counts();
    List<NeighbourEntry> out = new ArrayList<>();
    NeighbourParser.parseIpNeigh(
        "2001:DB8::A dev br-lan lladdr 00:D0:EF:00:00:0A extern_learn router probes 3 STALE\n",
        out, c);
    assertEquals(List.of(entry("br-lan", "2001:db8::a", "00:d0:ef:00:00:0a",
        NeighbourEntry.ROUTER)), out);
  }

  @Test
  void parse_mangledLines_neverThrowAndCountEveryLine() {
    String[] seeds = (Fixtures.text("arp-mixed.txt") + Fixtures.text("ip6-mixed.txt")
        + Fixtures.text("arp-bad.txt") + Fixtures.text("ip6-bad.txt")).split("\n");
    String alphabet = "0123456789abcdefx:. \t*/-=\"\u00e9\u0000lladdrdevrouter";
    Random rnd = new Random(20240105L);
    for (int round = 0; round < 20_000; round++) {
      StringBuilder b = new StringBuilder(seeds[rnd.nextInt(seeds.length)]);
      int edits = 1 + rnd.nextInt(6);
      for (int e = 0; e < edits; e++) {
        int op = rnd.nextInt(3);
        int pos = b.length() == 0 ? 0 : rnd.nextInt(b.length());
        if (op == 0 && b.length() > 0) {
          b.deleteCharAt(pos);
        } else if (op == 1) {
          b.insert(pos, alphabet.charAt(rnd.nextInt(alphabet.length())));
        } else if (b.length() > 0) {
          b.setLength(pos);
        }
      }
      String line = b.toString().replace("\n", "");
      NeighbourParser.Counts c = new NeighbourParser.Counts();
      List<NeighbourEntry> out = new ArrayList<>();
      NeighbourParser.parseArp(Fixtures.arpHeader() + line + "\n", out, c);
      NeighbourParser.parseIpNeigh(line + "\n", out, c);
      long accounted = out.size() + c.badLines + c.skippedLines;
      long expected = line.isBlank() ? 0 : 2;
      assertEquals(expected, accounted, "line not accounted for: [" + line + "]");
      for (NeighbourEntry n : out) {
        assertTrue(MacAddress.of(n.mac()).isUnicastHost(), line);
        assertTrue(n.iface().chars().allMatch(ch -> ch > 0x20 && ch < 0x7f), line);
      }
    }
  }
}
