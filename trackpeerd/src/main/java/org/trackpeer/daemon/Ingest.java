package org.trackpeer.daemon;

import java.util.concurrent.atomic.AtomicLong;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.capture.CaptureLoop;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.daemon.nat.CapturePairing;

/**
 * Takes decoded frames from the capture threads into the flow cache, leaving out the router's
 * own frames: those sent from one of its MACs, and those a cooked capture marks as outgoing.
 *
 * <p>On a capture box beside the router, frames of the outside (WAN) interfaces are not LAN
 * flows: they go to the pairing of outside flows with inside ones, and inside frames go there
 * too.
 */
final class Ingest implements CaptureLoop.FrameConsumer {
  private final FlowCache cache;
  private final LocalAddresses local;
  private final AgentClock clock;
  private final AtomicLong ownFrames = new AtomicLong();
  private final AtomicLong recorded = new AtomicLong();
  private final CapturePairing pairing;
  private final boolean[] outside = new boolean[256];

  Ingest(FlowCache cache, LocalAddresses local, AgentClock clock, CapturePairing pairing) {
    this.cache = cache;
    this.local = local;
    this.clock = clock;
    this.pairing = pairing;
  }

  /** Marks an interface as outside (WAN side), seen by a capture box. */
  void markOutside(int interfaceIndex) {
    outside[interfaceIndex] = true;
  }

  @Override
  public void accept(DecodedFrame f, byte[] bytes, int interfaceIndex) {
    if (pairing != null) {
      synchronized (pairing) {
        pairing.accept(f, bytes, outside[interfaceIndex]);
      }
      if (outside[interfaceIndex]) {
        return;
      }
    }
    if (f.packetType == DecodedFrame.PKTTYPE_OUTGOING
        || (f.hasSrcMac && local.isOwnMac(f.srcMac))) {
      ownFrames.incrementAndGet();
      return;
    }
    cache.record(f, interfaceIndex);
    recorded.incrementAndGet();
  }

  @Override
  public void replayed(long timestampNanos) {
    clock.observe(timestampNanos);
  }

  @Override
  public void gap(long fromWallNanos, long toWallNanos) {
    cache.markIncomplete(fromWallNanos, toWallNanos);
  }

  /** Frames left out because the router sent them. */
  long ownFrames() {
    return ownFrames.get();
  }

  /** Frames recorded into the cache. */
  long recorded() {
    return recorded.get();
  }
}
