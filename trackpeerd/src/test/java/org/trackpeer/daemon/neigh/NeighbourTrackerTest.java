package org.trackpeer.daemon.neigh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.MacAddress;

final class NeighbourTrackerTest {
  private static final String A = "02:00:5e:00:01:01";
  private static final String B = "02:00:5e:00:01:02";
  private static final String C = "02:00:5e:00:01:03";
  private static final Duration POLL = Duration.ofSeconds(5);
  private static final Duration EXPIRE = Duration.ofSeconds(30);
  private static final Duration FLAP = Duration.ofMinutes(3);

  private final NeighbourTracker tracker = new NeighbourTracker(EXPIRE, FLAP, Fixtures.vendors());
  private Instant now = Instant.parse("2024-01-05T07:00:00Z");

  private static NeighbourEntry e(String dev, String ip, String mac) {
    return new NeighbourEntry(dev, ip, MacAddress.parse(mac).toLong(), 0);
  }

  private static NeighbourEntry e(String dev, String ip, String mac, int flags) {
    return new NeighbourEntry(dev, ip, MacAddress.parse(mac).toLong(), flags);
  }

  private List<String> poll(NeighbourEntry... entries) {
    List<String> out = new ArrayList<>();
    tracker.update(now, List.of(entries), out::add);
    now = now.plus(POLL);
    return out;
  }

  @Test
  void update_fixtureTables_oneNewHostPerInterfaceAndMac() {
    NeighbourParser.Counts c = new NeighbourParser.Counts();
    List<NeighbourEntry> entries = NeighbourParser.parseBoth(
        Fixtures.text("arp-mixed.txt"), Fixtures.text("ip6-mixed.txt"), c);
    List<String> out = new ArrayList<>();
    tracker.update(now, entries, out::add);
    assertEquals(List.of(
        "New_host if=eth0 ip=192.0.2.14 mac=00:d0:ef:00:00:14 vendor=\"IGT\" flags=permanent",
        "New_host if=eth0 ip=192.0.2.15 mac=00:d0:ef:00:00:15 vendor=\"IGT\""
            + " flags=permanent,proxy",
        "New_host if=eth0 ip=2001:db8:1::20 mac=00:d0:ef:00:00:20 vendor=\"IGT\" flags=router",
        "New_host if=eth0 ip=2001:db8:1::25 mac=00:d0:ef:00:00:25 vendor=\"IGT\""
            + " flags=permanent",
        "New_host if=eth0 ip=192.0.2.11,2001:db8:1::11 mac=02:00:5e:00:01:01 flags=local",
        "New_host if=eth0.100 ip=192.0.2.12,2001:db8:1::23 mac=00:22:72:aa:bb:cc"
            + " vendor=\"American Micro-Fuel Device Corp.\""), out);

    List<String> again = new ArrayList<>();
    tracker.update(now.plus(POLL), entries, again::add);
    assertEquals(List.of(), again);
  }

  @Test
  void update_sameMacOnTwoInterfaces_twoHosts() {
    assertEquals(List.of(
        "New_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:01 flags=local",
        "New_host if=eth0.100 ip=198.51.100.11 mac=02:00:5e:00:01:01 flags=local"),
        poll(e("eth0.100", "198.51.100.11", A), e("eth0", "192.0.2.11", A)));
  }

  @Test
  void update_hostMissing_expiresOnlyAfterGrace() {
    poll(e("eth0", "192.0.2.11", A), e("eth0", "2001:db8:1::11", A), e("eth0", "192.0.2.12", B));
    // A missing for 5 polls (25 s): no line, even with one reappearance-free gap.
    for (int i = 0; i < 5; i++) {
      assertEquals(List.of(), poll(e("eth0", "192.0.2.12", B)));
    }
    assertEquals(List.of("Expired_host if=eth0 ip=192.0.2.11,2001:db8:1::11"
        + " mac=02:00:5e:00:01:01 flags=local"), poll(e("eth0", "192.0.2.12", B)));
    assertEquals(List.of(), poll(e("eth0", "192.0.2.12", B)));
    assertEquals(1, tracker.hosts().size());
  }

  @Test
  void update_oneMissedPoll_noExpiry() {
    poll(e("eth0", "192.0.2.11", A));
    assertEquals(List.of(), poll());
    assertEquals(List.of(), poll(e("eth0", "192.0.2.11", A)));
    for (int i = 0; i < 6; i++) {
      assertEquals(List.of(), poll(e("eth0", "192.0.2.11", A)));
    }
  }

  @Test
  void update_permanentEntryGone_neverExpires() {
    poll(e("eth0", "192.0.2.14", "00:d0:ef:00:00:14", NeighbourEntry.PERMANENT),
        e("eth0", "192.0.2.11", A));
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 720; i++) {
      all.addAll(poll());
    }
    assertEquals(List.of(
        "Expired_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:01 flags=local"), all);
  }

  @Test
  void update_newAddressOnKnownHost_newIpLine() {
    poll(e("eth0", "192.0.2.11", A));
    assertEquals(List.of(
        "New_ip if=eth0 ip=2001:db8:1::11 mac=02:00:5e:00:01:01 flags=local"),
        poll(e("eth0", "192.0.2.11", A), e("eth0", "2001:db8:1::11", A)));
  }

  @Test
  void update_ipMovesToOtherMac_changedHostWithOldMac() {
    poll(e("eth0", "192.0.2.11", A), e("eth0", "192.0.2.12", B));
    assertEquals(List.of("Changed_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:02"
            + " old_mac=02:00:5e:00:01:01 flags=local"),
        poll(e("eth0", "192.0.2.11", B), e("eth0", "192.0.2.12", B)));
  }

  @Test
  void update_ipTakenByNewMac_newHostThenChanged() {
    poll(e("eth0", "192.0.2.11", A));
    assertEquals(List.of(
        "New_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:03 flags=local",
        "Changed_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:03"
            + " old_mac=02:00:5e:00:01:01 flags=local"),
        poll(e("eth0", "192.0.2.11", C)));
  }

  @Test
  void update_alternatingPair_oneLineThenOneSummaryPerWindow() {
    poll(e("eth0", "192.0.2.11", A), e("eth0", "192.0.2.12", B));
    List<String> first = poll(e("eth0", "192.0.2.11", B), e("eth0", "192.0.2.12", B));
    assertEquals(1, first.size());
    // Flip every poll for 36 polls (3 minutes): no line until the window ends.
    List<String> during = new ArrayList<>();
    String owner = B;
    int flips = 0;
    Instant windowEnd = now.minus(POLL).plus(FLAP);
    while (now.isBefore(windowEnd)) {
      owner = owner.equals(A) ? B : A;
      flips++;
      during.addAll(poll(e("eth0", "192.0.2.11", owner), e("eth0", "192.0.2.12", B)));
    }
    assertEquals(List.of(), during);
    String other = owner.equals(A) ? B : A;
    assertEquals(List.of("Changed_host if=eth0 ip=192.0.2.11 mac=" + owner + " old_mac=" + other
            + " flags=local flips=" + flips),
        poll(e("eth0", "192.0.2.11", owner), e("eth0", "192.0.2.12", B)));
    // Quiet for a whole window: the next change is reported in full again.
    List<String> quiet = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      quiet.addAll(poll(e("eth0", "192.0.2.11", owner), e("eth0", "192.0.2.12", B)));
    }
    assertEquals(List.of(), quiet);
    assertEquals(List.of("Changed_host if=eth0 ip=192.0.2.11 mac=" + other + " old_mac=" + owner
            + " flags=local"),
        poll(e("eth0", "192.0.2.11", other), e("eth0", "192.0.2.12", B)));
  }

  @Test
  void update_flappingThroughWindowEnd_onlyTheSummaryLine() {
    poll(e("eth0", "192.0.2.11", A), e("eth0", "192.0.2.12", B));
    poll(e("eth0", "192.0.2.11", B), e("eth0", "192.0.2.12", B));
    String owner = B;
    int flips = 0;
    List<String> lines = List.of();
    // flip on every poll until one logs: that poll ends the window with a move of its own
    for (int i = 0; i < 100 && lines.isEmpty(); i++) {
      owner = owner.equals(A) ? B : A;
      flips++;
      lines = poll(e("eth0", "192.0.2.11", owner), e("eth0", "192.0.2.12", B));
    }
    String other = owner.equals(A) ? B : A;
    assertEquals(List.of("Changed_host if=eth0 ip=192.0.2.11 mac=" + owner + " old_mac=" + other
        + " flags=local flips=" + flips), lines);
    // the summary opened the next window; flipping on stays quiet within it
    assertEquals(List.of(), poll(e("eth0", "192.0.2.11", other), e("eth0", "192.0.2.12", B)));
  }

  /** Polls with 192.0.2.11 on {@code owner}; A and B stay present on .13 and .12. */
  private List<String> flapPoll(String owner) {
    return poll(e("eth0", "192.0.2.11", owner), e("eth0", "192.0.2.12", B),
        e("eth0", "192.0.2.13", A));
  }

  /** Polls with 192.0.2.11 on {@code owner} until a poll logs something; returns that. */
  private List<String> flapPollUntilLine(String owner) {
    for (int i = 0; i < 100; i++) {
      List<String> lines = flapPoll(owner);
      if (!lines.isEmpty()) {
        return lines;
      }
    }
    throw new AssertionError("no line in 100 polls");
  }

  @Test
  void update_flappingOverTwoWindows_eachSummaryCountsOnlyMovesSinceTheLastLine() {
    assertEquals(2, flapPoll(A).size());
    assertEquals(List.of("Changed_host if=eth0 ip=192.0.2.11 mac=" + B + " old_mac=" + A
        + " flags=local"), flapPoll(B));
    String[] owners = {A, B, A, B, A, B, A};
    for (int i = 0; i < 4; i++) {
      assertEquals(List.of(), flapPoll(owners[i]));
    }
    assertEquals(List.of("Changed_host if=eth0 ip=192.0.2.11 mac=" + B + " old_mac=" + A
        + " flags=local flips=4"), flapPollUntilLine(B));
    // The summary starts the next window: its 3 moves give flips=3, not 7.
    for (int i = 4; i < 7; i++) {
      assertEquals(List.of(), flapPoll(owners[i]));
    }
    assertEquals(List.of("Changed_host if=eth0 ip=192.0.2.11 mac=" + A + " old_mac=" + B
        + " flags=local flips=3"), flapPollUntilLine(A));
  }

  @Test
  void update_thirdMacDuringFlap_reportedAtOnceWithPendingCount() {
    poll(e("eth0", "192.0.2.11", A), e("eth0", "192.0.2.12", B), e("eth0", "192.0.2.13", C));
    poll(e("eth0", "192.0.2.11", B), e("eth0", "192.0.2.12", B), e("eth0", "192.0.2.13", C));
    assertEquals(List.of(),
        poll(e("eth0", "192.0.2.11", A), e("eth0", "192.0.2.12", B), e("eth0", "192.0.2.13", C)));
    assertEquals(List.of(
        "Changed_host if=eth0 ip=192.0.2.11 mac=" + A + " old_mac=" + B + " flags=local flips=1",
        "Changed_host if=eth0 ip=192.0.2.11 mac=" + C + " old_mac=" + A + " flags=local"),
        poll(e("eth0", "192.0.2.11", C), e("eth0", "192.0.2.12", B), e("eth0", "192.0.2.13", C)));
  }

  @Test
  void update_ipReusedAfterExpiry_notAChange() {
    poll(e("eth0", "192.0.2.11", A));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      out.addAll(poll());
    }
    assertEquals(1, out.size());
    assertTrue(out.get(0).startsWith("Expired_host "));
    assertEquals(List.of("New_host if=eth0 ip=192.0.2.11 mac=02:00:5e:00:01:02 flags=local"),
        poll(e("eth0", "192.0.2.11", B)));
  }

  @Test
  void active_presentHostsOnly_oneLineEach() {
    poll(e("eth0", "192.0.2.11", A), e("eth0", "192.0.2.12", B));
    poll(e("eth0", "192.0.2.12", B));
    List<String> out = new ArrayList<>();
    tracker.active(out::add);
    assertEquals(List.of("Active_host if=eth0 ip=192.0.2.12 mac=02:00:5e:00:01:02 flags=local"),
        out);
  }

  @Test
  void restore_savedHostPresent_noNewLineAndGoneHostExpiresAfterGrace() {
    NeighbourTracker.Host saved = new NeighbourTracker.Host(
        new NeighbourTracker.HostKey("eth0", MacAddress.parse(A).toLong()));
    saved.ips.add("192.0.2.11");
    NeighbourTracker.Host gone = new NeighbourTracker.Host(
        new NeighbourTracker.HostKey("eth0", MacAddress.parse(B).toLong()));
    gone.ips.add("192.0.2.12");
    tracker.restore(List.of(saved, gone), now);
    assertEquals(List.of(), poll(e("eth0", "192.0.2.11", A)));
    assertFalse(tracker.takeChanged());
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      out.addAll(poll(e("eth0", "192.0.2.11", A)));
    }
    assertEquals(List.of("Expired_host if=eth0 ip=192.0.2.12 mac=02:00:5e:00:01:02 flags=local"),
        out);
    assertTrue(tracker.takeChanged());
  }

  @Test
  void vendors_csvAndQuotes_cleanedNames() {
    OuiVendors csv = new OuiVendors(List.of(Fixtures.path("oui.csv")));
    assertEquals("Comma, Inc.", csv.vendor(0x0C0002_000001L));
    assertEquals(null, csv.vendor(0x0C0003_000001L));
    assertEquals(2, csv.size());
    OuiVendors txt = Fixtures.vendors();
    assertEquals("Quote 'Works' Ltd", txt.vendor(0x0C0001_000001L));
    assertEquals(null, txt.vendor(0x0E0001_000001L));
    OuiVendors none = new OuiVendors(List.of(Fixtures.path("oui.txt").resolveSibling("absent")));
    assertEquals(null, none.vendor(0x002272_000001L));
  }
}
