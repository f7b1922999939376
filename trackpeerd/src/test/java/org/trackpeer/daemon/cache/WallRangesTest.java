package org.trackpeer.daemon.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class WallRangesTest {
  @Test
  void add_beyondCapacity_widensNearestAndNeverForgets() {
    WallRanges ranges = new WallRanges(4);
    for (int i = 0; i < 10; i++) {
      ranges.add(i * 100L, i * 100L + 10, 1_000);
    }

    assertEquals(4, ranges.size());
    for (int i = 0; i < 10; i++) {
      assertTrue(ranges.overlaps(i * 100L + 5, i * 100L + 5, 0), "range " + i);
    }
    assertFalse(ranges.overlaps(-50, -1, 0));
  }

  @Test
  void add_overlappingRange_mergesIntoOne() {
    WallRanges ranges = new WallRanges(4);
    ranges.add(0, 10, 100);
    ranges.add(5, 20, 200);
    ranges.add(21, 30, 50);

    assertEquals(1, ranges.size());
    assertTrue(ranges.overlaps(25, 25, 150), "relevance widened to the latest");
  }

  @Test
  void prune_pastRelevance_dropsRange() {
    WallRanges ranges = new WallRanges(4);
    ranges.add(0, 10, 100);
    ranges.add(50, 60, 300);

    ranges.prune(100);

    assertEquals(1, ranges.size());
    assertFalse(ranges.overlaps(0, 10, 100));
    assertTrue(ranges.overlaps(55, 55, 299));
    assertFalse(ranges.overlaps(55, 55, 300));
  }
}
