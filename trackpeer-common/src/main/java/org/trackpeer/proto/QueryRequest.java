package org.trackpeer.proto;

import java.util.Objects;
import org.trackpeer.net.Endpoint;

/**
 * A question to the agent: which LAN computer sent {@code protocol} traffic that reached
 * {@code destination} from {@code source} (as the server saw it) around {@code timeSeconds}?
 *
 * @param requestId chosen at random by the client; the reply must carry the same value
 * @param protocol IP protocol number, 6 (TCP) or 17 (UDP)
 * @param source the peer's address and port as the server saw them
 * @param destination the server's address and port
 * @param timeSeconds seconds since the Epoch (UTC); 0 asks for every retained session to the
 *     destination (wildcard)
 * @param toleranceSeconds how far from {@code timeSeconds} a flow may lie; 0 means the agent's
 *     default
 * @param page which page of a long answer (0 = first), see docs/protocol.md "Paging"
 */
public record QueryRequest(
    long requestId,
    int protocol,
    Endpoint source,
    Endpoint destination,
    long timeSeconds,
    int toleranceSeconds,
    int page) {
  public static final int TCP = 6;
  public static final int UDP = 17;
  public static final int TOLERANCE_MAX_SECONDS = 65535;
  public static final int PAGE_MAX = 65535;

  public QueryRequest {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(destination, "destination");
    if (protocol != TCP && protocol != UDP) {
      throw new IllegalArgumentException("protocol must be 6 (tcp) or 17 (udp): " + protocol);
    }
    if (source.family() != destination.family()) {
      throw new IllegalArgumentException("source and destination differ in address family");
    }
    if (toleranceSeconds < 0 || toleranceSeconds > TOLERANCE_MAX_SECONDS) {
      throw new IllegalArgumentException("tolerance out of range 0-65535: " + toleranceSeconds);
    }
    if (page < 0 || page > PAGE_MAX) {
      throw new IllegalArgumentException("page out of range 0-65535: " + page);
    }
  }

  /** Returns true for a wildcard query ({@code -time 0}). */
  public boolean isWildcard() {
    return timeSeconds == 0;
  }
}
