package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class DecodeCountersTest {

  @Test
  void count_severalOutcomes_perOutcomeAndTotal() {
    DecodeCounters c = new DecodeCounters();
    c.count(DecodeOutcome.FLOW);
    c.count(DecodeOutcome.FLOW);
    c.count(DecodeOutcome.TRUNCATED_VLAN);
    assertEquals(2, c.get(DecodeOutcome.FLOW));
    assertEquals(1, c.get(DecodeOutcome.TRUNCATED_VLAN));
    assertEquals(0, c.get(DecodeOutcome.NOT_IP));
    assertEquals(3, c.total());
    assertEquals("{FLOW=2, TRUNCATED_VLAN=1}", c.toString());
  }

  @Test
  void snapshot_laterCounts_copyUnchanged() {
    DecodeCounters c = new DecodeCounters();
    c.count(DecodeOutcome.NOT_IP);
    DecodeCounters copy = c.snapshot();
    c.count(DecodeOutcome.NOT_IP);
    c.clear();
    c.count(DecodeOutcome.FLOW);
    assertEquals(1, copy.get(DecodeOutcome.NOT_IP));
    assertEquals(1, copy.total());
    assertEquals(0, c.get(DecodeOutcome.NOT_IP));
  }

  @Test
  void isRejection_normalTrafficVersusReasons_split() {
    assertFalse(DecodeOutcome.FLOW.isRejection());
    assertFalse(DecodeOutcome.IP_NO_PORTS.isRejection());
    assertFalse(DecodeOutcome.NOT_IP.isRejection());
    assertTrue(DecodeOutcome.TRUNCATED_IP.isRejection());
    assertTrue(DecodeOutcome.UNSUPPORTED_LINK.isRejection());
  }
}
