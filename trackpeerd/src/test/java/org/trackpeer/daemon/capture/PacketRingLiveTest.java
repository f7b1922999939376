package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.daemon.nat.NatLab.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packet ring against libpcap on a real interface: a veth pair in a network namespace made
 * for the test, frames sent into one end (untagged, 802.1Q-tagged, longer than the snapshot
 * length, IPv6) and captured on the other by both readers at once in {@link RingProbe}. Both
 * must read every frame, with the same bytes, lengths and kernel timestamps. Needs root.
 */
final class PacketRingLiveTest {
  private static final int SNAPLEN = 128;
  private final String tag = "tpring" + ProcessHandle.current().pid() % 100000;
  private final String ns = tag;
  private boolean created;

  @AfterEach
  void removeNamespace() {
    if (created) {
      run(60, "ip", "netns", "del", ns);
    }
  }

  @Test
  void ringAndLibpcap_sameFramesFromAVethPair() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "needs root to make a network namespace; skipped");
    run(60, "ip", "netns", "add", ns);
    created = true;
    String send = tag + "a";
    String capture = tag + "b";
    // both ends in the test's own namespace: nothing leaves it
    run(60, "ip", "-n", ns, "link", "add", send, "type", "veth", "peer", "name", capture);
    run(60, "ip", "-n", ns, "link", "set", send, "up");
    run(60, "ip", "-n", ns, "link", "set", capture, "up");

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String out = run(60, "ip", "netns", "exec", ns, java, "-cp",
        System.getProperty("java.class.path"), RingProbe.class.getName(), send, capture,
        Integer.toString(SNAPLEN));

    List<String[]> ring = new ArrayList<>();
    List<String[]> pcap = new ArrayList<>();
    for (String line : out.lines().toList()) {
      String[] f = line.split(" ");
      if (f[0].equals("ring")) {
        ring.add(f);
      } else if (f[0].equals("libpcap")) {
        pcap.add(f);
      }
    }
    assertTrue(out.contains("done"), out);
    List<byte[]> sent = RingProbe.frames();
    assertEquals(sent.size(), ring.size(), "frames the ring read\n" + out);
    assertEquals(sent.size(), pcap.size(), "frames libpcap read\n" + out);
    for (int i = 0; i < sent.size(); i++) {
      byte[] expected = Arrays.copyOf(sent.get(i), Math.min(SNAPLEN, sent.get(i).length));
      String[] r = ring.get(i);
      String[] p = pcap.get(i);
      assertArrayEquals(expected, HexFormat.of().parseHex(r[4]), "ring frame " + i);
      assertEquals(expected.length, Integer.parseInt(r[2]), "ring captured length " + i);
      assertEquals(sent.get(i).length, Integer.parseInt(r[3]), "ring wire length " + i);
      assertEquals(p[4], r[4], "frame " + i + " as libpcap read it");
      assertEquals(p[2], r[2], "captured length " + i + " as libpcap read it");
      assertEquals(p[3], r[3], "wire length " + i + " as libpcap read it");
      assertEquals(p[1], r[1], "timestamp of frame " + i + " as libpcap read it");
    }
  }
}
