package org.trackpeer.client;

import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;

/** Turns an agent's answer into the client's output lines and JSON. */
final class ReplyFormat {
  /** Printed in place of a MAC when the capture carried none. */
  static final String NO_MAC = "-";

  private ReplyFormat() {}

  /** Returns the distinct MACs of the records, in order, joined by single spaces. */
  static String macLine(QueryReply reply) {
    return String.join(" ", macs(reply));
  }

  static List<String> macs(QueryReply reply) {
    Set<String> seen = new LinkedHashSet<>();
    for (PeerRecord r : reply.records()) {
      seen.add(mac(r));
    }
    return new ArrayList<>(seen);
  }

  /** Returns the {@code -v} lines: one per record, or one result line when there are none. */
  static List<String> detailLines(QueryReply reply) {
    List<String> lines = new ArrayList<>();
    String head = "result=" + reply.result().label() + " evidence=" + reply.evidence().label();
    for (PeerRecord r : reply.records()) {
      lines.add(head
          + " mac=" + mac(r)
          + " inside=" + hostPort(r.insideAddress(), r.insidePort())
          + " destination=" + hostPort(r.destination(), r.destinationPort())
          + " vlan=" + (r.vlan() < 0 ? "-" : Integer.toString(r.vlan()))
          + " interface=" + (r.interfaceName().isEmpty() ? "-" : r.interfaceName())
          + " first_seen=" + isoNanos(r.firstSeenNanos())
          + " last_seen=" + isoNanos(r.lastSeenNanos()));
    }
    if (lines.isEmpty()) {
      lines.add(head);
    }
    if (reply.more()) {
      lines.add("more=true total_matches=" + reply.totalMatches());
    }
    return lines;
  }

  /** Returns the whole answer as one JSON object. */
  static String json(QueryReply reply, QueryRequest request, String agent, int exitStatus) {
    JsonWriter w = new JsonWriter().beginObject();
    w.name("result").value(reply.result().label());
    w.name("code").value(reply.result().wire());
    w.name("exit").value(exitStatus);
    w.name("evidence").value(reply.evidence().label());
    w.name("request_id").value(String.format("%016x", reply.requestId()));
    w.name("agent").value(agent);
    query(w, request);
    w.name("total_matches").value(reply.totalMatches());
    w.name("more").value(reply.more());
    w.name("macs").beginArray();
    for (String mac : macs(reply)) {
      w.value(mac);
    }
    w.endArray();
    w.name("records").beginArray();
    for (PeerRecord r : reply.records()) {
      record(w, r);
    }
    w.endArray();
    return w.endObject().toString();
  }

  /** Returns the JSON object printed when no usable answer came. */
  static String jsonFailure(
      String result, QueryRequest request, String agent, int exitStatus, String message) {
    JsonWriter w = new JsonWriter().beginObject();
    w.name("result").value(result);
    w.name("exit").value(exitStatus);
    w.name("agent").value(agent);
    if (request != null) {
      query(w, request);
    }
    w.name("error").value(message);
    return w.endObject().toString();
  }

  private static void query(JsonWriter w, QueryRequest request) {
    w.name("protocol").value(request.protocol() == QueryRequest.UDP ? "udp" : "tcp");
    w.name("source").value(endpoint(request.source()));
    w.name("destination").value(endpoint(request.destination()));
    w.name("time").value(request.timeSeconds());
  }

  private static void record(JsonWriter w, PeerRecord r) {
    w.beginObject();
    w.name("mac").value(r.mac() == null ? null : r.mac().toString());
    w.name("inside_address").value(AddressText.of(r.insideAddress()));
    w.name("inside_port").value(r.insidePort());
    w.name("destination_address").value(AddressText.of(r.destination()));
    w.name("destination_port").value(r.destinationPort());
    w.name("vlan");
    if (r.vlan() < 0) {
      w.nullValue();
    } else {
      w.value(r.vlan());
    }
    w.name("interface").value(r.interfaceName());
    w.name("first_seen").value(isoNanos(r.firstSeenNanos()));
    w.name("last_seen").value(isoNanos(r.lastSeenNanos()));
    w.name("first_seen_ns").value(r.firstSeenNanos());
    w.name("last_seen_ns").value(r.lastSeenNanos());
    w.endObject();
  }

  static String endpoint(Endpoint e) {
    return AddressText.of(e.address(), e.port());
  }

  private static String mac(PeerRecord r) {
    return r.mac() == null ? NO_MAC : r.mac().toString();
  }

  /** Formats nanoseconds since the Epoch as ISO-8601 UTC with all nine fraction digits. */
  static String isoNanos(long nanos) {
    Instant t = Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    return IsoNanos.FORMAT.format(t);
  }

  /**
   * Holds the formatter, built on first use only: building it costs the client's common
   * one-line answer a few milliseconds (pattern parsing, java.time set-up, lambdas).
   */
  private static final class IsoNanos {
    static final DateTimeFormatter FORMAT =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);
  }

  static String hostPort(InetAddress a, int port) {
    return AddressText.of(a, port);
  }
}
