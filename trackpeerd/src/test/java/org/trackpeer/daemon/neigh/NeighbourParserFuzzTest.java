package org.trackpeer.daemon.neigh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.trackpeer.net.MacAddress;

/**
 * Fuzz target for the neighbour-table parsers: the first input byte picks {@code /proc/net/arp}
 * or {@code ip -6 neigh} text, the rest is the text. Every non-blank row must end as an entry,
 * a bad line or a skipped line, and every entry must hold a plain ASCII address, a device name
 * and a unicast host MAC. A plain {@code mvn test} replays {@code NeighbourParserFuzzTestInputs/}.
 */
final class NeighbourParserFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void parse_anyText_everyRowCountedAndEntriesClean(byte[] data) {
    if (data.length == 0) {
      return;
    }
    boolean arp = (data[0] & 1) == 0;
    String text = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
    NeighbourParser.Counts counts = new NeighbourParser.Counts();
    List<NeighbourEntry> out = new ArrayList<>();
    if (arp) {
      NeighbourParser.parseArp(text, out, counts);
    } else {
      NeighbourParser.parseIpNeigh(text, out, counts);
    }
    long rows = 0;
    String[] lines = text.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (arp && i == 0 && lines[i].startsWith("IP address")) {
        continue;
      }
      if (!lines[i].isBlank()) {
        rows++;
      }
    }
    assertEquals(rows, out.size() + counts.badLines + counts.skippedLines,
        "rows neither kept nor counted");
    for (NeighbourEntry e : out) {
      String ip = e.ip();
      assertTrue(ip.chars().allMatch(c -> c < 0x80), "non-ASCII address " + ip);
      assertTrue(arp ? ip.matches("[0-9.]{7,15}") : ip.matches("[0-9a-f:.]{2,45}"),
          "address " + ip);
      assertTrue(e.iface().chars().allMatch(c -> c > 0x20 && c < 0x7f), "device name");
      assertTrue(MacAddress.of(e.mac()).isUnicastHost(), "kept a non-host MAC");
    }
  }
}
