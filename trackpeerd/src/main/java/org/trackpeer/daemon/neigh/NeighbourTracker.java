package org.trackpeer.daemon.neigh;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.trackpeer.net.MacAddress;

/**
 * Turns successive neighbour-table snapshots into host events. Single-threaded: the watcher's
 * poll thread owns it.
 *
 * <p>Data: a host is (interface, MAC). {@code hosts} maps that key to the host's last IP set,
 * flags, and when it was last in the table. {@code owners} maps (interface, IP) to the MAC that
 * last held the IP, for as long as that MAC is a known host; it is what detects an IP moving to
 * another MAC. {@code flaps} holds, per (interface, IP), the last reported MAC pair and the
 * start of its suppression window. All three are sorted maps so events come out in a stable
 * order (interface, then MAC or IP text).
 *
 * <p>Rules:
 * <ul>
 *   <li>{@code New_host}: a (interface, MAC) not known before, with all its IPs.
 *   <li>{@code New_ip}: a known host shows an IP that no known host held on that interface.
 *   <li>{@code Changed_host}: an IP held by known host A is now on MAC B. If the same pair swaps
 *       again within the flap window, no line: the swap is counted, and when the window ends one
 *       {@code Changed_host ... flips=N} line reports the count (and a new window starts while
 *       it keeps flapping).
 *   <li>{@code Expired_host}: a host absent from the table for at least the grace period.
 *       Permanent hosts never expire. After expiry its IPs are free: the next MAC on them is new,
 *       not a change.
 *   <li>{@code Active_host}: on request, one line per host present in the last snapshot.
 * </ul>
 */
final class NeighbourTracker {
  /** Key of a host: interface and MAC. */
  record HostKey(String iface, long mac) implements Comparable<HostKey> {
    @Override
    public int compareTo(HostKey o) {
      int c = iface.compareTo(o.iface);
      return c != 0 ? c : Long.compare(mac, o.mac);
    }
  }

  /** Key of an address: interface and IP text. */
  record IpKey(String iface, String ip) implements Comparable<IpKey> {
    @Override
    public int compareTo(IpKey o) {
      int c = iface.compareTo(o.iface);
      return c != 0 ? c : IP_ORDER.compare(ip, o.ip);
    }
  }

  /** A host as remembered (also the unit of the state file). */
  static final class Host {
    final HostKey key;
    SortedSet<String> ips = new TreeSet<>(IP_ORDER);
    int flags;
    Instant lastSeen;
    boolean present;

    Host(HostKey key) {
      this.key = key;
    }
  }

  private static final class Flap {
    long macA;
    long macB;
    long current;
    long previous;
    Instant windowStart;
    long suppressed;

    boolean samePair(long x, long y) {
      return (x == macA && y == macB) || (x == macB && y == macA);
    }
  }

  /** IPv4 before IPv6, IPv4 in numeric order, IPv6 by text. */
  static final Comparator<String> IP_ORDER = (a, b) -> {
    boolean a6 = a.indexOf(':') >= 0;
    boolean b6 = b.indexOf(':') >= 0;
    if (a6 != b6) {
      return a6 ? 1 : -1;
    }
    if (!a6) {
      return Long.compare(ipv4Value(a), ipv4Value(b));
    }
    return a.compareTo(b);
  };

  private final Duration expireAfter;
  private final Duration flapWindow;
  private final OuiVendors vendors;
  private final Map<HostKey, Host> hosts = new TreeMap<>();
  private final Map<IpKey, Long> owners = new TreeMap<>();
  private final Map<IpKey, Flap> flaps = new TreeMap<>();
  private boolean changed;

  NeighbourTracker(Duration expireAfter, Duration flapWindow, OuiVendors vendors) {
    this.expireAfter = expireAfter;
    this.flapWindow = flapWindow;
    this.vendors = vendors;
  }

  /** Adds hosts remembered from a previous run; they count as seen at {@code now}. */
  void restore(Collection<Host> saved, Instant now) {
    for (Host h : saved) {
      h.lastSeen = now;
      h.present = false;
      hosts.put(h.key, h);
      for (String ip : h.ips) {
        owners.put(new IpKey(h.key.iface(), ip), h.key.mac());
      }
    }
  }

  /** Returns the known hosts in key order. */
  List<Host> hosts() {
    return new ArrayList<>(hosts.values());
  }

  /** Returns true (once) when the set of hosts or their IPs changed since the last call. */
  boolean takeChanged() {
    boolean c = changed;
    changed = false;
    return c;
  }

  /** Applies one snapshot taken at {@code now}; emits event lines in order. */
  void update(Instant now, List<NeighbourEntry> entries, Consumer<String> out) {
    Map<HostKey, Host> seen = new TreeMap<>();
    for (NeighbourEntry e : entries) {
      Host obs = seen.computeIfAbsent(new HostKey(e.iface(), e.mac()), Host::new);
      obs.ips.add(e.ip());
      obs.flags |= e.flags();
    }
    for (Host obs : seen.values()) {
      observe(now, obs, out);
    }
    for (Host h : hosts.values()) {
      if (!seen.containsKey(h.key)) {
        h.present = false;
      }
    }
    Iterator<Host> it = hosts.values().iterator();
    while (it.hasNext()) {
      Host h = it.next();
      if (!h.present && (h.flags & NeighbourEntry.PERMANENT) == 0
          && Duration.between(h.lastSeen, now).compareTo(expireAfter) >= 0) {
        out.accept(line("Expired_host", h, h.ips, null, 0));
        it.remove();
        owners.entrySet().removeIf(
            o -> o.getKey().iface().equals(h.key.iface()) && o.getValue() == h.key.mac());
        changed = true;
      }
    }
    summariseFlaps(now, out);
  }

  private void observe(Instant now, Host obs, Consumer<String> out) {
    Host host = hosts.get(obs.key);
    boolean isNew = host == null;
    if (isNew) {
      host = new Host(obs.key);
      hosts.put(obs.key, host);
      changed = true;
    }
    List<String> newIps = new ArrayList<>();
    List<Long> oldMacs = new ArrayList<>();
    List<String> changedIps = new ArrayList<>();
    for (String ip : obs.ips) {
      IpKey ipKey = new IpKey(obs.key.iface(), ip);
      Long prev = owners.get(ipKey);
      boolean prevKnown = prev != null && prev != obs.key.mac()
          && hosts.containsKey(new HostKey(ipKey.iface(), prev));
      if (prevKnown) {
        changedIps.add(ip);
        oldMacs.add(prev);
        Host old = hosts.get(new HostKey(ipKey.iface(), prev));
        old.ips.remove(ip);
      } else if (!isNew && !host.ips.contains(ip)) {
        newIps.add(ip);
      }
      owners.put(ipKey, obs.key.mac());
    }
    if (!host.ips.equals(obs.ips) || host.flags != obs.flags) {
      changed = true;
    }
    host.ips = obs.ips;
    host.flags = obs.flags;
    host.lastSeen = now;
    host.present = true;
    if (isNew) {
      out.accept(line("New_host", host, host.ips, null, 0));
    }
    for (String ip : newIps) {
      out.accept(line("New_ip", host, List.of(ip), null, 0));
    }
    for (int i = 0; i < changedIps.size(); i++) {
      onChange(now, host, changedIps.get(i), oldMacs.get(i), out);
    }
  }

  private void onChange(Instant now, Host host, String ip, long oldMac, Consumer<String> out) {
    IpKey key = new IpKey(host.key.iface(), ip);
    long newMac = host.key.mac();
    Flap f = flaps.get(key);
    // a move in the poll that ends a window with moves still belongs to the episode: it is
    // counted into the summary that closes the window at the end of this poll
    if (f != null && f.samePair(newMac, oldMac)
        && (now.isBefore(f.windowStart.plus(flapWindow)) || f.suppressed > 0)) {
      f.suppressed++;
      f.current = newMac;
      f.previous = oldMac;
      return;
    }
    if (f != null && f.suppressed > 0) {
      out.accept(flapLine(f, key));
    }
    out.accept(line("Changed_host", host, List.of(ip), oldMac, 0));
    Flap n = new Flap();
    n.macA = newMac;
    n.macB = oldMac;
    n.current = newMac;
    n.previous = oldMac;
    n.windowStart = now;
    flaps.put(key, n);
  }

  private void summariseFlaps(Instant now, Consumer<String> out) {
    Iterator<Map.Entry<IpKey, Flap>> it = flaps.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<IpKey, Flap> e = it.next();
      Flap f = e.getValue();
      if (now.isBefore(f.windowStart.plus(flapWindow))) {
        continue;
      }
      if (f.suppressed == 0) {
        it.remove();
      } else {
        out.accept(flapLine(f, e.getKey()));
        f.suppressed = 0;
        f.windowStart = now;
      }
    }
  }

  private String flapLine(Flap f, IpKey key) {
    Host h = hosts.get(new HostKey(key.iface(), f.current));
    Host shown = h != null ? h : new Host(new HostKey(key.iface(), f.current));
    return line("Changed_host", shown, List.of(key.ip()), f.previous, f.suppressed);
  }

  /** Emits one {@code Active_host} line per host present in the last snapshot. */
  void active(Consumer<String> out) {
    for (Host h : hosts.values()) {
      if (h.present) {
        out.accept(line("Active_host", h, h.ips, null, 0));
      }
    }
  }

  /**
   * Formats one event: {@code KEYWORD if=.. ip=a,b mac=.. [old_mac=..] [vendor=".."]
   * [flags=a,b] [flips=N]}.
   */
  String line(String keyword, Host h, Collection<String> ips, Long oldMac, long flips) {
    StringBuilder b = new StringBuilder(128);
    b.append(keyword).append(" if=").append(h.key.iface());
    b.append(" ip=").append(ips.isEmpty() ? "-" : String.join(",", ips));
    b.append(" mac=").append(MacAddress.format(h.key.mac()));
    if (oldMac != null) {
      b.append(" old_mac=").append(MacAddress.format(oldMac));
    }
    String vendor = vendors.vendor(h.key.mac());
    if (vendor != null) {
      b.append(" vendor=\"").append(vendor).append('"');
    }
    String flags = flagText(h.key.mac(), h.flags);
    if (!flags.isEmpty()) {
      b.append(" flags=").append(flags);
    }
    if (flips > 0) {
      b.append(" flips=").append(flips);
    }
    return b.toString();
  }

  static String flagText(long mac, int flags) {
    List<String> f = new ArrayList<>(4);
    if (MacAddress.of(mac).isLocallyAdministered()) {
      f.add("local");
    }
    if ((flags & NeighbourEntry.PERMANENT) != 0) {
      f.add("permanent");
    }
    if ((flags & NeighbourEntry.PROXY) != 0) {
      f.add("proxy");
    }
    if ((flags & NeighbourEntry.ROUTER) != 0) {
      f.add("router");
    }
    return String.join(",", f);
  }

  private static long ipv4Value(String ip) {
    long v = 0;
    for (String p : ip.split("\\.")) {
      try {
        v = (v << 8) | Integer.parseInt(p);
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return v;
  }
}
