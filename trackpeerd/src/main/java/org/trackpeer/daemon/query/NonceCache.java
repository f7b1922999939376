package org.trackpeer.daemon.query;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The nonces of recently accepted authenticated requests, to turn replays away.
 *
 * <p>Design: a hash set for the lookup and a queue in arrival order for the expiry. A request
 * is accepted only when its timestamp lies within the window of the agent's clock, so a nonce
 * can never be accepted again once {@code 2 * window} has passed since it arrived; it is kept
 * that long and then dropped from the head of the queue. The set is bounded: when it is full
 * of nonces still inside their lifetime, new requests are turned away (fail closed) rather
 * than forgetting a nonce that could still be replayed.
 */
final class NonceCache {
  private final long lifetimeNanos;
  private final int capacity;
  private final Set<ByteBuffer> seen = new HashSet<>();
  private final ArrayDeque<Entry> order = new ArrayDeque<>();

  private record Entry(ByteBuffer nonce, long arrivedNanos) {}

  /** Outcome of {@link #record}. */
  enum Outcome {
    FRESH,
    REPLAY,
    FULL
  }

  NonceCache(long windowSeconds, int capacity) {
    this.lifetimeNanos = 2 * windowSeconds * 1_000_000_000L;
    this.capacity = capacity;
  }

  /** Records {@code nonce} when it has not been seen within its lifetime. */
  Outcome record(byte[] nonce, long nowNanos) {
    while (!order.isEmpty() && nowNanos - order.peekFirst().arrivedNanos() > lifetimeNanos) {
      seen.remove(order.removeFirst().nonce());
    }
    ByteBuffer key = ByteBuffer.wrap(nonce.clone());
    if (seen.contains(key)) {
      return Outcome.REPLAY;
    }
    if (seen.size() >= capacity) {
      return Outcome.FULL;
    }
    seen.add(key);
    order.addLast(new Entry(key, nowNanos));
    return Outcome.FRESH;
  }

  int size() {
    return seen.size();
  }
}
