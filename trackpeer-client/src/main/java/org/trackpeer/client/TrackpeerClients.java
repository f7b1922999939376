package org.trackpeer.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * Several agents, each in charge of some source networks, from a client configuration such as
 * {@code /etc/trackpeer.conf}:
 *
 * <pre>
 * agent 203.0.113.0/24 = 203.0.113.1:7709
 * agent 198.51.100.7 = 198.51.100.1
 * </pre>
 *
 * <p>A query goes to the agent of the longest network holding its source address. A source no
 * network holds is asked of every agent at once: one agent finding the flow wins; several
 * finding it make the answer ambiguous (all their records are kept).
 */
public final class TrackpeerClients {
  /** The file the command line reads when {@code --config} is not given. */
  public static final Path DEFAULT_FILE = Path.of("/etc/trackpeer.conf");

  /** One line of the configuration: sources in {@code network/prefix} ask {@code agent}. */
  public record Route(InetAddress network, int prefix, InetSocketAddress agent) {
    /** True when {@code a} lies in this route's network. */
    public boolean contains(InetAddress a) {
      byte[] n = network.getAddress();
      byte[] x = a.getAddress();
      if (n.length != x.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (n[i] != x[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (n[full] & mask) == (x[full] & mask);
    }
  }

  /** An answer and the agents it came from. */
  public record Answer(QueryReply reply, List<InetSocketAddress> agents) {}

  private final List<Route> routes;

  /** Creates the set from routes, in file order. */
  public TrackpeerClients(List<Route> routes) {
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("no agent configured");
    }
    this.routes = List.copyOf(routes);
  }

  /** Reads a client configuration file. */
  public static TrackpeerClients fromConfig(Path file) throws IOException {
    return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
  }

  /** Parses configuration lines; {@code name} prefixes error messages. */
  static TrackpeerClients parse(List<String> lines, String name) {
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      line = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (line.isEmpty()) {
        continue;
      }
      String where = name + ":" + (i + 1) + ": ";
      int eq = line.indexOf('=');
      String[] left = (eq < 0 ? line : line.substring(0, eq)).strip().split("\\s+");
      if (eq < 0 || left.length != 2 || !left[0].equals("agent")) {
        throw new IllegalArgumentException(where + "expected 'agent NETWORK = HOST[:PORT]'");
      }
      routes.add(new Route(network(left[1], where), prefix(left[1], where),
          agent(line.substring(eq + 1).strip(), where)));
    }
    return new TrackpeerClients(routes);
  }

  private static InetAddress network(String text, String where) {
    int slash = text.indexOf('/');
    try {
      return Endpoint.parseAddress(slash < 0 ? text : text.substring(0, slash));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + "bad network '" + text + "'");
    }
  }

  private static int prefix(String text, String where) {
    int bits = network(text, where).getAddress().length * 8;
    int slash = text.indexOf('/');
    if (slash < 0) {
      return bits;
    }
    try {
      int p = Integer.parseInt(text.substring(slash + 1));
      if (p >= 0 && p <= bits) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(where + "bad prefix length in '" + text + "'");
  }

  private static InetSocketAddress agent(String text, String where) {
    String host = text;
    int port = Protocol.DEFAULT_PORT;
    int colon = text.lastIndexOf(':');
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException(where + "bad agent '" + text + "'");
      }
      host = text.substring(1, close);
      colon = close + 1 < text.length() && text.charAt(close + 1) == ':' ? close + 1 : -1;
    } else if (colon != text.indexOf(':')) {
      colon = -1;
    } else if (colon >= 0) {
      host = text.substring(0, colon);
    }
    try {
      if (colon >= 0) {
        port = Integer.parseInt(text.substring(colon + 1));
      }
      if (port < 1 || port > 65535 || host.isEmpty()) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (NumberFormatException | UnknownHostException e) {
      throw new IllegalArgumentException(where + "bad agent '" + text + "'");
    }
  }

  /** Every configured agent, once each, in file order. */
  public List<InetSocketAddress> agents() {
    Set<InetSocketAddress> all = new LinkedHashSet<>();
    routes.forEach(r -> all.add(r.agent()));
    return List.copyOf(all);
  }

  /** The agents to ask about {@code source}: the longest match, or all when none matches. */
  public List<InetSocketAddress> agentsFor(InetAddress source) {
    int best = -1;
    Set<InetSocketAddress> chosen = new LinkedHashSet<>();
    for (Route r : routes) {
      if (!r.contains(source) || r.prefix() < best) {
        continue;
      }
      if (r.prefix() > best) {
        chosen.clear();
        best = r.prefix();
      }
      chosen.add(r.agent());
    }
    return chosen.isEmpty() ? agents() : List.copyOf(chosen);
  }

  /** Asks the agents for {@code request}'s source, each with its own timeout and retries. */
  public Answer query(QueryRequest request, Duration timeout, int retries)
      throws NoAnswerException, BadReplyException {
    return query(request, a -> new TrackpeerClient(a, timeout, retries));
  }

  /** As {@link #query(QueryRequest, Duration, int)}, with clients made by {@code clients}. */
  public Answer query(QueryRequest request, Function<InetSocketAddress, TrackpeerClient> clients)
      throws NoAnswerException, BadReplyException {
    List<InetSocketAddress> agents = agentsFor(request.source().address());
    List<CompletableFuture<QueryReply>> asked = new ArrayList<>();
    for (InetSocketAddress a : agents) {
      TrackpeerClient c = clients.apply(a);
      asked.add(CompletableFuture.supplyAsync(() -> {
        try {
          return c.query(request);
        } catch (NoAnswerException | BadReplyException e) {
          throw new CompletionException(e);
        }
      }));
    }
    List<QueryReply> replies = new ArrayList<>();
    List<InetSocketAddress> from = new ArrayList<>();
    Exception failure = null;
    for (int i = 0; i < agents.size(); i++) {
      try {
        replies.add(asked.get(i).join());
        from.add(agents.get(i));
      } catch (CompletionException e) {
        if (failure == null) {
          failure = (Exception) e.getCause();
        }
      }
    }
    if (replies.isEmpty()) {
      if (failure instanceof BadReplyException b) {
        throw b;
      }
      throw (NoAnswerException) failure;
    }
    return combine(replies, from);
  }

  /** One found wins, several found are ambiguous; otherwise the first answer. */
  static Answer combine(List<QueryReply> replies, List<InetSocketAddress> from) {
    List<QueryReply> found = new ArrayList<>();
    List<InetSocketAddress> foundFrom = new ArrayList<>();
    for (int i = 0; i < replies.size(); i++) {
      ResultCode r = replies.get(i).result();
      if (r == ResultCode.FOUND || r == ResultCode.AMBIGUOUS) {
        found.add(replies.get(i));
        foundFrom.add(from.get(i));
      }
    }
    if (found.size() == 1) {
      return new Answer(found.get(0), foundFrom);
    }
    if (found.isEmpty()) {
      for (int i = 0; i < replies.size(); i++) {
        if (replies.get(i).result() == ResultCode.NOT_FOUND) {
          return new Answer(replies.get(i), List.of(from.get(i)));
        }
      }
      return new Answer(replies.get(0), List.of(from.get(0)));
    }
    List<PeerRecord> records = new ArrayList<>();
    int total = 0;
    for (QueryReply r : found) {
      records.addAll(r.records());
      total += r.totalMatches();
    }
    Evidence evidence = found.get(0).evidence();
    return new Answer(new QueryReply(found.get(0).requestId(), ResultCode.AMBIGUOUS, evidence,
        total, false, records), foundFrom);
  }
}
