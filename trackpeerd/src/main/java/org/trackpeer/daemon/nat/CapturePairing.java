package org.trackpeer.daemon.nat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;

/**
 * Learns NAT translations on a capture box beside the router, with no access to its connection
 * tracking: each connection's first packet is seen once on an inside interface and once,
 * translated, on an outside interface, and the two are paired by what the router does not
 * change.
 *
 * <p>Design: a first packet is reduced to a match key (protocol, destination address and port,
 * and a fingerprint: the SYN's sequence number for TCP, which Linux NAT keeps, or a hash of the
 * first payload bytes for UDP) plus its source endpoint and time. Packets waiting for their
 * other half sit in one map per side, key to a short list, and in a single queue in arrival
 * order that expires them after the pairing window and bounds their number. A packet whose key
 * finds exactly one distinct source on the other side within the window makes a translation;
 * two or more candidates make it ambiguous, and nothing is recorded. Frame timestamps are the
 * clock. Not thread-safe: feed it from one capture thread, or synchronize outside.
 */
public final class CapturePairing {
  /** Default pairing window: 2 s. */
  public static final long DEFAULT_WINDOW_NANOS = 2_000_000_000L;

  /** Default bound on packets waiting for their other half. */
  public static final int DEFAULT_MAX_PENDING = 65_536;

  /** UDP payload bytes hashed into the fingerprint. */
  static final int UDP_FINGERPRINT_BYTES = 32;

  private static final int TCP = 6;
  private static final int UDP = 17;
  private static final int SYN = 0x02;
  private static final int ACK = 0x10;

  private final TranslationLog log;
  private final long windowNanos;
  private final int maxPending;
  private final Map<Key, List<Pending>> inside = new HashMap<>();
  private final Map<Key, List<Pending>> outside = new HashMap<>();
  private final ArrayDeque<Pending> arrival = new ArrayDeque<>();
  private long paired;
  private long ambiguous;
  private long expired;
  private long dropped;

  /** Creates a pairing with the default window and bound. */
  public CapturePairing(TranslationLog log) {
    this(log, DEFAULT_WINDOW_NANOS, DEFAULT_MAX_PENDING);
  }

  /** Creates a pairing that matches packets at most {@code windowNanos} apart. */
  public CapturePairing(TranslationLog log, long windowNanos, int maxPending) {
    if (windowNanos <= 0 || maxPending < 1) {
      throw new IllegalArgumentException("window and bound must be positive");
    }
    this.log = log;
    this.windowNanos = windowNanos;
    this.maxPending = maxPending;
  }

  /** Counters of the pairing. */
  public record Stats(long paired, long ambiguous, long expired, long dropped, int pending) {}

  /**
   * Considers a decoded frame from an inside ({@code outside} false) or outside interface;
   * {@code buf} holds the frame's bytes, for the UDP payload. Only TCP SYNs (without ACK) and
   * UDP datagrams with ports are used.
   */
  public void accept(DecodedFrame f, byte[] buf, boolean outside) {
    if (!f.hasPorts || f.laterFragment || (f.ipVersion != 4 && f.ipVersion != 6)) {
      return;
    }
    long fingerprint;
    if (f.protocol == TCP) {
      if (!f.hasTcpHeader || (f.tcpFlags & (SYN | ACK)) != SYN) {
        return;
      }
      fingerprint = f.tcpSeq & 0xffffffffL;
    } else if (f.protocol == UDP) {
      fingerprint = payloadHash(f, buf);
    } else {
      return;
    }
    long now = f.timestampNanos;
    expire(now);
    Key key = new Key(f.protocol, dstAddress(f), f.dstPort, fingerprint);
    Endpoint src = new Endpoint(srcAddress(f), f.srcPort);
    Map<Key, List<Pending>> own = outside ? this.outside : this.inside;
    Map<Key, List<Pending>> other = outside ? this.inside : this.outside;
    List<Pending> candidates = other.get(key);
    if (candidates != null) {
      Endpoint match = null;
      boolean several = false;
      for (Pending p : candidates) {
        if (Math.abs(now - p.timeNanos) > windowNanos) {
          continue;
        }
        if (match == null) {
          match = p.src;
        } else if (!match.equals(p.src)) {
          several = true;
        }
      }
      if (several) {
        ambiguous++;
        return;
      }
      if (match != null) {
        Endpoint in = outside ? match : src;
        Endpoint out = outside ? src : match;
        Endpoint dst = new Endpoint(key.dst, key.dstPort);
        log.record(new Translation(key.protocol, in, out, dst, now,
            Evidence.PAIRED_CAPTURE));
        paired++;
        for (Pending p : candidates) {
          p.done = true;
        }
        other.remove(key);
        return;
      }
    }
    List<Pending> list = own.computeIfAbsent(key, k -> new ArrayList<>(1));
    for (Pending p : list) {
      if (p.src.equals(src)) {
        return;
      }
    }
    if (arrival.size() >= maxPending) {
      Pending oldest = arrival.pollFirst();
      if (oldest != null && !oldest.done) {
        dropped++;
        forget(oldest);
      }
    }
    Pending p = new Pending(key, src, now, outside);
    list.add(p);
    arrival.addLast(p);
  }

  /** Returns the counters. */
  public Stats stats() {
    int pending = 0;
    for (List<Pending> l : inside.values()) {
      pending += l.size();
    }
    for (List<Pending> l : outside.values()) {
      pending += l.size();
    }
    return new Stats(paired, ambiguous, expired, dropped, pending);
  }

  private void expire(long nowNanos) {
    while (!arrival.isEmpty()) {
      Pending p = arrival.peekFirst();
      if (!p.done && nowNanos - p.timeNanos <= windowNanos) {
        return;
      }
      arrival.pollFirst();
      if (!p.done) {
        expired++;
        forget(p);
      }
    }
  }

  private void forget(Pending p) {
    p.done = true;
    Map<Key, List<Pending>> map = p.outside ? outside : inside;
    List<Pending> list = map.get(p.key);
    if (list != null) {
      list.remove(p);
      if (list.isEmpty()) {
        map.remove(p.key);
      }
    }
  }

  /** Hashes up to the first {@value #UDP_FINGERPRINT_BYTES} payload bytes, and their count. */
  static long payloadHash(DecodedFrame f, byte[] buf) {
    int off = f.payloadOffset;
    int len = Math.min(f.payloadLength, UDP_FINGERPRINT_BYTES);
    if (off < 0 || len <= 0 || off > buf.length) {
      return 0;
    }
    len = Math.min(len, buf.length - off);
    long h = 0xcbf29ce484222325L; // FNV-1a 64
    for (int i = 0; i < len; i++) {
      h ^= buf[off + i] & 0xff;
      h *= 0x100000001b3L;
    }
    return h ^ len;
  }

  private static InetAddress srcAddress(DecodedFrame f) {
    return f.ipVersion == 4 ? v4(f.srcIp4) : v6(f.srcIpHi, f.srcIpLo);
  }

  private static InetAddress dstAddress(DecodedFrame f) {
    return f.ipVersion == 4 ? v4(f.dstIp4) : v6(f.dstIpHi, f.dstIpLo);
  }

  private static InetAddress v4(int a) {
    return address(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
  }

  private static InetAddress v6(long hi, long lo) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return address(b);
  }

  private static InetAddress address(byte[] b) {
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("address of " + b.length + " bytes", e);
    }
  }

  /** What NAT leaves alone in a connection's first packet. */
  private record Key(int protocol, InetAddress dst, int dstPort, long fingerprint) {}

  private static final class Pending {
    final Key key;
    final Endpoint src;
    final long timeNanos;
    final boolean outside;
    boolean done;

    Pending(Key key, Endpoint src, long timeNanos, boolean outside) {
      this.key = key;
      this.src = src;
      this.timeNanos = timeNanos;
      this.outside = outside;
    }
  }
}
