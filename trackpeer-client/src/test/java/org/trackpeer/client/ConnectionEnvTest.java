package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;

final class ConnectionEnvTest {
  private static Endpoint ep(String text) {
    return Endpoint.parse(text, true);
  }

  @Test
  void read_socatListen_takesPeerAndSocket() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "SOCAT_PEERADDR", "203.0.113.1", "SOCAT_PEERPORT", "49200",
        "SOCAT_SOCKADDR", "203.0.113.10", "SOCAT_SOCKPORT", "2323"));
    assertEquals("socat", a.launcher());
    assertEquals(ep("203.0.113.1:49200"), a.source());
    assertEquals(ep("203.0.113.10:2323"), a.destination());
  }

  @Test
  void read_socatIpv6InBrackets_parses() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "SOCAT_PEERADDR", "[2001:db8::1]", "SOCAT_PEERPORT", "40000",
        "SOCAT_SOCKADDR", "[2001:db8::10]", "SOCAT_SOCKPORT", "22"));
    assertEquals(ep("[2001:db8::1]:40000"), a.source());
    assertEquals(ep("[2001:db8::10]:22"), a.destination());
  }

  @Test
  void read_socatWithoutSocketVariables_leavesDestinationOpen() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "SOCAT_PEERADDR", "203.0.113.1", "SOCAT_PEERPORT", "49200"));
    assertNull(a.destination());
  }

  @Test
  void read_ucspiTcp_takesRemoteAndLocal() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "TCPREMOTEIP", "198.51.100.7", "TCPREMOTEPORT", "51000",
        "TCPLOCALIP", "203.0.113.10", "TCPLOCALPORT", "25", "PROTO", "TCP"));
    assertEquals("ucspi", a.launcher());
    assertEquals(ep("198.51.100.7:51000"), a.source());
    assertEquals(ep("203.0.113.10:25"), a.destination());
  }

  @Test
  void read_systemdAccept_hasNoLocalSide() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "REMOTE_ADDR", "203.0.113.1", "REMOTE_PORT", "49300"));
    assertEquals("systemd", a.launcher());
    assertEquals(ep("203.0.113.1:49300"), a.source());
    assertNull(a.destination());
  }

  @Test
  void read_systemdMappedIpv4_becomesIpv4() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "REMOTE_ADDR", "::ffff:203.0.113.1", "REMOTE_PORT", "49300"));
    assertEquals(ep("203.0.113.1:49300"), a.source());
  }

  @Test
  void read_sshConnection_splitsFourFields() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "SSH_CONNECTION", "203.0.113.1 50022 203.0.113.10 22"));
    assertEquals("ssh", a.launcher());
    assertEquals(ep("203.0.113.1:50022"), a.source());
    assertEquals(ep("203.0.113.10:22"), a.destination());
  }

  @Test
  void read_sshIpv6_parses() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "SSH_CONNECTION", "2001:db8::5 50022 2001:db8::10 22"));
    assertEquals(ep("[2001:db8::5]:50022"), a.source());
  }

  @Test
  void read_socatInsideSsh_prefersSocat() {
    ConnectionEnv.Addresses a = ConnectionEnv.read(Map.of(
        "SSH_CONNECTION", "198.51.100.9 50022 203.0.113.10 22",
        "SOCAT_PEERADDR", "203.0.113.1", "SOCAT_PEERPORT", "49200"));
    assertEquals("socat", a.launcher());
  }

  @Test
  void read_nothingSet_failsNamingVariables() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConnectionEnv.read(Map.of("PATH", "/bin")));
    assertTrue(e.getMessage().contains("SSH_CONNECTION"), e.getMessage());
  }

  @Test
  void read_brokenVariables_failInsteadOfFallingThrough() {
    assertThrows(IllegalArgumentException.class, () -> ConnectionEnv.read(Map.of(
        "SOCAT_PEERADDR", "203.0.113.1",
        "SSH_CONNECTION", "198.51.100.9 50022 203.0.113.10 22")));
    assertThrows(IllegalArgumentException.class, () -> ConnectionEnv.read(Map.of(
        "TCPREMOTEIP", "host.example", "TCPREMOTEPORT", "1")));
    assertThrows(IllegalArgumentException.class, () -> ConnectionEnv.read(Map.of(
        "REMOTE_ADDR", "203.0.113.1", "REMOTE_PORT", "70000")));
    assertThrows(IllegalArgumentException.class, () -> ConnectionEnv.read(Map.of(
        "SSH_CONNECTION", "203.0.113.1 50022 203.0.113.10")));
  }
}
