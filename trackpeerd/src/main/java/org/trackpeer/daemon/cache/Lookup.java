package org.trackpeer.daemon.cache;

import java.util.List;
import org.trackpeer.proto.PeerRecord;

/**
 * The answer of {@link FlowCache#find}.
 *
 * @param matches the matching flows, most recently seen first
 * @param truncated true when more flows matched than the query's limit
 * @param incomplete true when the window overlaps a capture gap, evicted entries or flows
 *     dropped by the per-MAC share, so a missing flow proves nothing
 */
public record Lookup(List<PeerRecord> matches, boolean truncated, boolean incomplete) {
  /** Copies the list. */
  public Lookup {
    matches = List.copyOf(matches);
  }
}
