package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.QueryCodec;

/** The query port always listens on loopback, besides the addresses {@code listen} names. */
final class DaemonConfigListenTest {
  private static List<String> listen(String value) throws ConfigException {
    DaemonConfig.Raw raw = new DaemonConfig.Raw();
    if (value != null) {
      raw.set("listen", value, "option --listen");
    }
    return raw.validate().listen().stream().map(InetAddress::getHostAddress).toList();
  }

  @Test
  void listen_none_loopbackOnly() throws ConfigException {
    assertEquals(List.of("127.0.0.1", "0:0:0:0:0:0:0:1"), listen(null));
  }

  @Test
  void listen_publicAddress_loopbackKeptBesidesIt() throws ConfigException {
    assertEquals(List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "203.0.113.1"), listen("203.0.113.1"));
  }

  @Test
  void listen_loopbackNamedToo_eachOnce() throws ConfigException {
    assertEquals(List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "203.0.113.1"),
        listen("::1, 203.0.113.1, 127.0.0.1"));
  }

  @Test
  void listen_ipv4Wildcard_coversIpv4LoopbackWhichIsLeftOut() throws ConfigException {
    assertEquals(List.of("0:0:0:0:0:0:0:1", "0.0.0.0"), listen("0.0.0.0"));
  }

  @Test
  void listen_ipv6Wildcard_coversBothLoopbacksWhichAreLeftOut() throws ConfigException {
    assertEquals(List.of("0:0:0:0:0:0:0:0"), listen("::"));
  }

  @Test
  void bind_otherAddressNamed_statsAnsweredOn127001Too() throws Exception {
    int port;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    DaemonConfig config = new DaemonConfig.Raw()
        .set("read-file", "/nonexistent.pcap", "test")
        .set("listen", "127.0.0.2", "option --listen")
        .set("port", Integer.toString(port), "test")
        .set("audit", "off", "test")
        .validate();
    Agent agent = new Agent(config);
    try {
      agent.bind();
      agent.startServing();
      List<InetAddress> expected = new ArrayList<>();
      for (InetAddress lo : DaemonConfig.LOOPBACK) {
        if (NetworkInterface.getByInetAddress(lo) != null) {
          expected.add(lo);
        }
      }
      expected.add(Endpoint.parseAddress("127.0.0.2"));
      assertEquals(expected, agent.listening());
      try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
        s.setSoTimeout(5000);
        byte[] q = QueryCodec.encodeStatsRequest(7, 1472);
        s.send(new DatagramPacket(q, q.length, InetAddress.getByName("127.0.0.1"), port));
        byte[] in = new byte[1500];
        DatagramPacket p = new DatagramPacket(in, in.length);
        s.receive(p);
        assertTrue(QueryCodec.decodeStatsReply(in, 0, p.getLength()).text().contains("ready "));
      }
    } finally {
      agent.close();
    }
  }
}
