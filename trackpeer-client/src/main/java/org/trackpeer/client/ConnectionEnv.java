package org.trackpeer.client;

import java.util.Map;
import org.trackpeer.net.Endpoint;

/**
 * Reads an accepted connection's addresses from the variables a launcher sets for the program
 * it starts per connection.
 *
 * <p>Launchers, nearest to the connection first (the first whose peer variable is set wins, so
 * a service started by socat inside an ssh session uses socat's):
 *
 * <ul>
 *   <li>socat: {@code SOCAT_PEERADDR}, {@code SOCAT_PEERPORT}; local side
 *       {@code SOCAT_SOCKADDR}, {@code SOCAT_SOCKPORT} (set by listening addresses);
 *   <li>ucspi-tcp {@code tcpserver} and compatible inetd wrappers: {@code TCPREMOTEIP},
 *       {@code TCPREMOTEPORT}, {@code TCPLOCALIP}, {@code TCPLOCALPORT};
 *   <li>systemd socket activation with {@code Accept=yes}: {@code REMOTE_ADDR},
 *       {@code REMOTE_PORT}; systemd sets no variable for the local side;
 *   <li>sshd: {@code SSH_CONNECTION}, "client_ip client_port server_ip server_port".
 * </ul>
 *
 * <p>A launcher's variable that is present but unreadable is an error, never a reason to try
 * the next launcher: the decision must be about this connection or not made at all.
 */
final class ConnectionEnv {
  /**
   * The addresses found.
   *
   * @param launcher which launcher's variables were read ({@code socat}, {@code ucspi},
   *     {@code systemd}, {@code ssh})
   * @param source the peer as this host saw it
   * @param destination this host's side of the connection, or null when the launcher does not
   *     tell it
   */
  record Addresses(String launcher, Endpoint source, Endpoint destination) {}

  private ConnectionEnv() {}

  /**
   * Finds the connection's addresses in {@code env}.
   *
   * @throws IllegalArgumentException when no launcher's variables are set, or one is unreadable
   */
  static Addresses read(Map<String, String> env) {
    if (env.get("SOCAT_PEERADDR") != null) {
      Endpoint src = endpoint(env, "SOCAT_PEERADDR", "SOCAT_PEERPORT");
      Endpoint dst = env.get("SOCAT_SOCKADDR") == null ? null
          : endpoint(env, "SOCAT_SOCKADDR", "SOCAT_SOCKPORT");
      return new Addresses("socat", src, dst);
    }
    if (env.get("TCPREMOTEIP") != null) {
      Endpoint src = endpoint(env, "TCPREMOTEIP", "TCPREMOTEPORT");
      Endpoint dst = env.get("TCPLOCALIP") == null ? null
          : endpoint(env, "TCPLOCALIP", "TCPLOCALPORT");
      return new Addresses("ucspi", src, dst);
    }
    if (env.get("REMOTE_ADDR") != null) {
      return new Addresses("systemd", endpoint(env, "REMOTE_ADDR", "REMOTE_PORT"), null);
    }
    String ssh = env.get("SSH_CONNECTION");
    if (ssh != null) {
      String[] f = ssh.strip().split("\\s+");
      if (f.length != 4) {
        throw new IllegalArgumentException("SSH_CONNECTION='" + ssh
            + "' is not 'client_ip client_port server_ip server_port'");
      }
      return new Addresses("ssh", endpoint("SSH_CONNECTION", f[0], f[1]),
          endpoint("SSH_CONNECTION", f[2], f[3]));
    }
    throw new IllegalArgumentException("no connection variables in the environment; expected "
        + "SOCAT_PEERADDR (socat), TCPREMOTEIP (tcpserver), REMOTE_ADDR (systemd Accept=yes) "
        + "or SSH_CONNECTION (sshd)");
  }

  private static Endpoint endpoint(Map<String, String> env, String addrVar, String portVar) {
    String port = env.get(portVar);
    if (port == null) {
      throw new IllegalArgumentException(addrVar + " is set but " + portVar + " is not");
    }
    return endpoint(addrVar + "/" + portVar, env.get(addrVar), port);
  }

  private static Endpoint endpoint(String what, String addr, String portText) {
    String a = addr.strip();
    if (a.startsWith("[") && a.endsWith("]")) {
      a = a.substring(1, a.length() - 1);
    }
    int scope = a.indexOf('%');
    if (scope >= 0) {
      a = a.substring(0, scope);
    }
    int port;
    try {
      port = Integer.parseInt(portText.strip());
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > Endpoint.PORT_MAX) {
      throw new IllegalArgumentException(what + ": '" + portText + "' is not a port 1-65535");
    }
    try {
      // An IPv4-mapped IPv6 address (dual-stack listener) comes back as plain IPv4.
      return new Endpoint(Endpoint.parseAddress(a), port);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": '" + addr + "' is not a numeric address");
    }
  }
}
