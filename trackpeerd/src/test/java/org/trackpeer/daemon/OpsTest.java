package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Operations helpers: readiness notification, Prometheus snapshots, monitoring settings. */
final class OpsTest {
  @Test
  void notify_withoutNotifySocket_isNoOp() {
    SystemdNotify n = new SystemdNotify(null);
    assertFalse(n.enabled());
    assertFalse(n.ready("x"));
    assertFalse(n.stopping());
    assertFalse(new SystemdNotify("").enabled());
  }

  @Test
  void notify_socketThatDoesNotExist_reportsFailure() {
    SystemdNotify n = new SystemdNotify("/nonexistent/trackpeer-test.sock");
    assertTrue(n.enabled());
    assertFalse(n.ready("x"));
  }

  @Test
  void snapshots_levelsAndTotals_getGaugeAndCounterTypes() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("frames_seen", 39L);
    m.put("cache_bytes", 4096L);
    MetricSnapshots s = PrometheusExporter.snapshots(m);
    assertEquals(2, s.size());
    // snapshots come sorted by name
    GaugeSnapshot bytes = (GaugeSnapshot) s.get(0);
    assertEquals("trackpeer_cache_bytes", bytes.getMetadata().getName());
    CounterSnapshot frames = (CounterSnapshot) s.get(1);
    assertEquals("trackpeer_frames_seen", frames.getMetadata().getName());
    assertEquals(39.0, frames.getDataPoints().get(0).getValue());
    assertEquals(4096.0, bytes.getDataPoints().get(0).getValue());
  }

  @Test
  void prometheusListen_loopbackAddress_isAccepted() throws Exception {
    DaemonConfig c = new DaemonConfig.Raw()
        .set("prometheus-listen", "127.0.0.1:9277", "test").validate();
    assertEquals(InetAddress.getByName("127.0.0.1"), c.prometheusListen().getAddress());
    assertEquals(9277, c.prometheusListen().getPort());
    assertNull(new DaemonConfig.Raw().validate().prometheusListen());
    assertNull(new DaemonConfig.Raw().set("prometheus-listen", "off", "t").validate()
        .prometheusListen());
  }

  @Test
  void prometheusListen_publicAddress_isRejected() {
    ConfigException e = assertThrows(ConfigException.class, () -> new DaemonConfig.Raw()
        .set("prometheus-listen", "203.0.113.1:9277", "test").validate());
    assertTrue(e.getMessage().contains("loopback"), e.getMessage());
  }

  @Test
  void fileLabel_longCaptureName_fitsAnInterfaceName() {
    assertEquals("HSRP_failover.p", Agent.fileLabel(Path.of("/x/HSRP_failover.pcap")));
    assertEquals("a_b.pcap", Agent.fileLabel(Path.of("a b.pcap")));
  }
}
