package org.trackpeer.daemon;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Serves the agent's counters in the Prometheus text format on {@code /metrics}. Nothing is
 * copied: every scrape reads the same numbers {@code trackpeer --stats} shows, each named
 * {@code trackpeer_} plus its stats name.
 */
final class PrometheusExporter implements AutoCloseable {
  /** Stats names that are levels, not running totals. */
  static final Set<String> GAUGES = Set.of(
      "ready", "cache_entries_v4", "cache_entries_v6", "cache_buckets", "cache_bytes",
      "memory_heap_used_bytes", "memory_heap_max_bytes", "neighbour_known_hosts",
      "syslog_connected", "nat_translations");

  private final HTTPServer server;

  private PrometheusExporter(HTTPServer server) {
    this.server = server;
  }

  /** Starts the HTTP endpoint on {@code address}, reading {@code counters} on each scrape. */
  static PrometheusExporter start(InetSocketAddress address,
      Supplier<Map<String, Long>> counters) throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register((MultiCollector) () -> snapshots(counters.get()));
    HTTPServer server = HTTPServer.builder()
        .inetAddress(address.getAddress())
        .port(address.getPort())
        .registry(registry)
        .buildAndStart();
    return new PrometheusExporter(server);
  }

  /** The port actually bound (useful when 0 was asked for). */
  int port() {
    return server.getPort();
  }

  /** Turns stats counters into Prometheus snapshots. */
  static MetricSnapshots snapshots(Map<String, Long> counters) {
    List<MetricSnapshot> out = new ArrayList<>();
    for (Map.Entry<String, Long> e : counters.entrySet()) {
      String name = "trackpeer_" + e.getKey();
      String help = "trackpeer --stats value " + e.getKey();
      if (GAUGES.contains(e.getKey())) {
        out.add(GaugeSnapshot.builder().name(name).help(help)
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .value(e.getValue()).build())
            .build());
      } else {
        out.add(CounterSnapshot.builder().name(name).help(help)
            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .value(e.getValue()).build())
            .build());
      }
    }
    return new MetricSnapshots(out);
  }

  @Override
  public void close() {
    server.close();
  }
}
