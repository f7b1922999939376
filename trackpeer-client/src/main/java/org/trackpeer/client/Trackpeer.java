package org.trackpeer.client;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.Protocol;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;
import org.trackpeer.proto.StatsReply;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code trackpeer} command: asks the agent on the NAT router which LAN computer sent a
 * flow, and prints its MAC on the first line of output.
 */
@Command(
    name = "trackpeer",
    mixinStandardHelpOptions = true,
    versionProvider = Trackpeer.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    headerHeading = "",
    header = "Ask a trackpeer agent which LAN computer sent a flow.",
    synopsisHeading = "%nUsage: ",
    customSynopsis = {
      "trackpeer -s ADDR:PORT -dst ADDR:PORT [-time SECONDS] [-udp]",
      "                 [-a HOST[:PORT]] [options]",
      "       trackpeer --check --allow-list FILE (--from-env | -s ADDR:PORT)",
      "                 [-dst ADDR:PORT] [options]",
      "       trackpeer --stats -a HOST[:PORT] [options]"
    },
    descriptionHeading = "%n",
    description = {
      "The source is the flow's source as the server saw it (with NAT: the router's public "
          + "address and port); the agent defaults to that address, port 7709. On an answer "
          + "the first output line holds the matching MACs separated by spaces (empty when "
          + "none match), so mac=$(trackpeer ...) works; the result goes to standard error.",
      "",
      "With --check the command decides: it exits 0 only when the agent found exactly one "
          + "computer and its MAC is on the allow list; every other outcome (not listed, not "
          + "found, ambiguous, incomplete, refused, no answer) exits non-zero and denies. "
          + "--from-env takes the connection's addresses from SOCAT_PEERADDR/SOCAT_PEERPORT "
          + "(socat), TCPREMOTEIP/TCPREMOTEPORT (tcpserver), REMOTE_ADDR/REMOTE_PORT (systemd "
          + "Accept=yes; give -dst, systemd does not tell the local side) or SSH_CONNECTION."
    },
    optionListHeading = "%nOptions:%n",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      " 0:found: one computer matched, its MAC is on the first line (with -time 0: one or "
          + "more sessions to the destination matched, and the line holds the MACs of all of "
          + "them)",
      " 1:internal error",
      " 2:no answer from the agent within the timeout, after every retry",
      " 3:bad reply: the agent's datagram does not decode",
      "11:not_found",
      "12:ambiguous: several MACs matched, all are on the first line",
      "13:outside_window: the time lies outside what the agent retains",
      "14:malformed: the agent could not decode the request",
      "15:refused: this client may not ask",
      "16:wildcard_disabled: -time 0 is not allowed by the agent",
      "17:not_ready: the agent's capture is not running",
      "18:incomplete: nothing matched, but the agent's record has gaps",
      "19:unsupported_version: the agent speaks another protocol version",
      "20:rate_limited: asked too often",
      "30:not_listed: --check: found one computer, but its MAC is not on the allow list",
      "64:usage error"
    })
public final class Trackpeer implements Callable<Integer> {
  static final int TIMEOUT_DEFAULT_MILLIS = 2000;
  static final int TIMEOUT_MAX_MILLIS = 60_000;
  static final int RETRIES_DEFAULT = 2;
  static final int RETRIES_MAX = 10;

  @Spec private CommandSpec spec;

  @Option(
      names = {"-s", "--source"},
      paramLabel = "ADDR:PORT",
      converter = EndpointConverter.class,
      description = "Source address and port of the flow as the server saw it.")
  private Endpoint source;

  @Option(
      names = {"-dst", "--dst", "--destination"},
      paramLabel = "ADDR:PORT",
      converter = EndpointConverter.class,
      description = "Destination (server) address and port of the flow.")
  private Endpoint destination;

  @Option(
      names = {"-time", "--time"},
      paramLabel = "SECONDS",
      converter = TimeConverter.class,
      description = "When the flow was seen, in seconds since the Epoch (UTC); default now; "
          + "0 asks for every retained session to the destination.")
  private Long timeSeconds;

  @Option(
      names = {"-udp", "--udp"},
      description = "The flow is UDP (same as -p udp).")
  private boolean udp;

  @Option(
      names = {"-p", "--protocol"},
      paramLabel = "tcp|udp",
      converter = ProtocolConverter.class,
      description = "Transport protocol of the flow; default tcp.")
  private Integer protocol;

  @Option(
      names = {"-a", "--agent"},
      paramLabel = "HOST[:PORT]",
      description = "The agent to ask; default the source address, port 7709.")
  private String agent;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      converter = PortConverter.class,
      description = "The agent's UDP port when -a gives none; default 7709.")
  private Integer port;

  @Option(
      names = "--tolerance",
      paramLabel = "SECONDS",
      converter = ToleranceConverter.class,
      description = "How far from -time a flow may lie, 0-65535; default: the agent's.")
  private int toleranceSeconds;

  @Option(
      names = "--timeout",
      paramLabel = "MS",
      converter = TimeoutConverter.class,
      description = "How long to wait for each reply, 1-60000 ms; default 2000.")
  private int timeoutMillis = TIMEOUT_DEFAULT_MILLIS;

  @Option(
      names = "--retries",
      paramLabel = "N",
      converter = RetriesConverter.class,
      description = "How often to resend when no reply comes, 0-10; default 2.")
  private int retries = RETRIES_DEFAULT;

  @Option(
      names = {"-v", "--verbose"},
      description = "Add a line per matching session: evidence, inside address, VLAN, "
          + "interface, first and last seen.")
  private boolean verbose;

  @Option(
      names = "--key-file",
      paramLabel = "FILE",
      description = "Authenticate with the shared secret in FILE: lines 'KEYID SECRET_HEX' "
          + "(the first key is used) or one hex secret (key id 0).")
  private Path keyFile;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      description = "Send the request from this local address.")
  private String bindAddress;

  @Option(names = "--json", description = "Print the whole answer as one JSON object.")
  private boolean json;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Client configuration naming the agent of each source network "
          + "('agent 203.0.113.0/24 = 203.0.113.1:7709'); used when -a is not given. "
          + "Default /etc/trackpeer.conf when it exists.")
  private Path configFile;

  @Option(names = "--stats", description = "Ask the agent for its counters and print them.")
  private boolean stats;

  @Option(
      names = "--check",
      description = "Decide: exit 0 only when the agent found one computer whose MAC is on "
          + "the --allow-list; any other outcome exits non-zero.")
  private boolean check;

  @Option(
      names = "--allow-list",
      paramLabel = "FILE",
      description = "MACs admitted by --check, one a line; OUI prefixes such as 00:1b:63:*; "
          + "# starts a comment.")
  private java.nio.file.Path allowListFile;

  @Option(
      names = "--from-env",
      description = "Take the flow's source (and destination, when the launcher sets it) from "
          + "the variables set by socat, tcpserver, systemd (Accept=yes) or sshd.")
  private boolean fromEnv;

  private final Clock clock;
  private final java.util.Map<String, String> env;
  private PrintWriter out;
  private PrintWriter err;

  /** Creates the command reading the current time from {@code clock}. */
  Trackpeer(Clock clock) {
    this(clock, System.getenv());
  }

  /** Creates the command with an explicit environment for {@code --from-env}. */
  Trackpeer(Clock clock, java.util.Map<String, String> env) {
    this.clock = clock;
    this.env = env;
  }

  /**
   * Runs the command and exits with its status. A command line made only of the common query
   * options goes through {@link QuickArgs} and never loads picocli; any other (help, version,
   * anything the quick parser does not accept) goes through picocli.
   */
  public static void main(String[] args) {
    Trackpeer command = new Trackpeer(Clock.systemUTC());
    int exit;
    if (System.getProperty("picocli.trace") == null && QuickArgs.parse(command, args)) {
      exit = command.runQuick(writer(System.out, "sun.stdout.encoding"),
          writer(System.err, "sun.stderr.encoding"));
    } else {
      exit = commandLine(new Trackpeer(Clock.systemUTC())).execute(args);
    }
    System.exit(exit);
  }

  /** Returns the configured picocli command line around {@code command}. */
  static CommandLine commandLine(Trackpeer command) {
    return PicocliSetup.configure(new CommandLine(command));
  }

  @Override
  public Integer call() {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    try {
      return run();
    } catch (UsageException e) {
      throw PicocliSetup.usageError(spec, e.getMessage());
    }
  }

  /**
   * Runs the command whose options {@link QuickArgs} set, printing to {@code out} and
   * {@code err}, and returns the exit status; usage and internal errors are reported as
   * picocli's handlers report them.
   */
  int runQuick(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
    try {
      return run();
    } catch (UsageException e) {
      return reportUsage(err, e.getMessage());
    } catch (Exception e) {
      return reportInternalError(err, e);
    }
  }

  private int run() {
    MacAllowList allowList = checkSettings();
    if (fromEnv) {
      readEnvironment();
    }
    TrackpeerClients many = stats || agent != null ? null : clientConfig();
    if (many != null) {
      QueryRequest request = request();
      List<InetSocketAddress> candidates = many.agentsFor(request.source().address());
      if (candidates.size() > 1) {
        return askMany(many, request, allowList);
      }
      agent = TrackpeerClient.format(candidates.get(0));
    }
    return ask(configure(agentAddress()), allowList);
  }

  /**
   * Sets one option for {@link QuickArgs}, converting {@code value} (null for a flag) as the
   * option's picocli converter does; {@code name} is the option's longest name. Returns false
   * when the value does not convert, so that picocli parses the command line and reports it.
   */
  boolean setOption(String name, String value) {
    switch (name) {
      case "--source":
        source = parseEndpoint(value);
        return source != null;
      case "--destination":
        destination = parseEndpoint(value);
        return destination != null;
      case "--time":
        timeSeconds = parseTime(value);
        return timeSeconds != null;
      case "--protocol":
        protocol = parseProtocol(value);
        return protocol != null;
      case "--agent":
        agent = value;
        return true;
      case "--port":
        port = parseRange(value, 1, Endpoint.PORT_MAX);
        return port != null;
      case "--tolerance": {
        Integer v = parseRange(value, 0, QueryRequest.TOLERANCE_MAX_SECONDS);
        toleranceSeconds = v == null ? toleranceSeconds : v;
        return v != null;
      }
      case "--timeout": {
        Integer v = parseRange(value, 1, TIMEOUT_MAX_MILLIS);
        timeoutMillis = v == null ? timeoutMillis : v;
        return v != null;
      }
      case "--retries": {
        Integer v = parseRange(value, 0, RETRIES_MAX);
        retries = v == null ? retries : v;
        return v != null;
      }
      case "--key-file":
        keyFile = parsePath(value);
        return keyFile != null;
      case "--bind":
        bindAddress = value;
        return true;
      case "--config":
        configFile = parsePath(value);
        return configFile != null;
      case "--allow-list":
        allowListFile = parsePath(value);
        return allowListFile != null;
      default:
        return setFlag(name);
    }
  }

  private boolean setFlag(String name) {
    switch (name) {
      case "--udp":
        udp = true;
        return true;
      case "--verbose":
        verbose = true;
        return true;
      case "--json":
        json = true;
        return true;
      case "--stats":
        stats = true;
        return true;
      case "--check":
        check = true;
        return true;
      case "--from-env":
        fromEnv = true;
        return true;
      default:
        return false;
    }
  }

  /** Reads --config, or the default file when present; null when neither applies. */
  private TrackpeerClients clientConfig() {
    Path file = configFile != null ? configFile
        : Files.isRegularFile(TrackpeerClients.DEFAULT_FILE) ? TrackpeerClients.DEFAULT_FILE
        : null;
    if (file == null) {
      return null;
    }
    try {
      return TrackpeerClients.fromConfig(file);
    } catch (IOException e) {
      throw usage("cannot read client configuration " + file + ": " + e);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  private Integer askMany(TrackpeerClients many, QueryRequest request, MacAllowList list) {
    TrackpeerClients.Answer answer;
    try {
      answer = many.query(request, a -> configure(a));
    } catch (NoAnswerException e) {
      return failure("no_answer", request, many.agents().toString(), ClientExit.NO_ANSWER,
          e.getMessage());
    } catch (BadReplyException e) {
      return failure("bad_reply", request, many.agents().toString(), ClientExit.BAD_REPLY,
          e.getMessage());
    }
    StringBuilder from = new StringBuilder();
    for (InetSocketAddress a : answer.agents()) {
      from.append(from.length() == 0 ? "" : ",").append(TrackpeerClient.format(a));
    }
    if (list != null) {
      return printDecision(TrackpeerClient.decide(answer.reply(), list), request);
    }
    return printReply(answer.reply(), request, from.toString());
  }

  private TrackpeerClient configure(InetSocketAddress agentAddress) {
    TrackpeerClient client = new TrackpeerClient(agentAddress,
        Duration.ofMillis(timeoutMillis), retries);
    if (keyFile != null) {
      try {
        client.authenticateWith(Auth.readKeyFile(keyFile).values().iterator().next());
      } catch (IOException e) {
        throw usage("invalid value for option --key-file: " + e.getMessage());
      }
    }
    if (bindAddress != null) {
      try {
        client.bindTo(Endpoint.parseAddress(bindAddress));
      } catch (IllegalArgumentException e) {
        throw usage("invalid value for option --bind: '" + bindAddress
            + "'; expected a numeric IPv4 or IPv6 address");
      }
    }
    return client;
  }

  private Integer ask(TrackpeerClient client, MacAllowList allowList) {
    if (stats) {
      return askStats(client);
    }
    QueryRequest request = request();
    if (allowList != null) {
      return askCheck(client, request, allowList);
    }
    return askQuery(client, request);
  }

  /** Validates the --check options and loads the allow list; null without --check. */
  private MacAllowList checkSettings() {
    if (!check) {
      if (allowListFile != null) {
        throw usage("--allow-list needs --check");
      }
      return null;
    }
    if (allowListFile == null) {
      throw usage("--check needs --allow-list FILE (the MACs to admit)");
    }
    if (stats || json) {
      throw usage("--check cannot be combined with " + (stats ? "--stats" : "--json"));
    }
    if (timeSeconds != null && timeSeconds == 0) {
      throw usage("--check cannot be combined with -time 0 (a wildcard names no one peer)");
    }
    try {
      return MacAllowList.load(allowListFile);
    } catch (IllegalArgumentException e) {
      throw usage("allow list " + e.getMessage());
    } catch (java.io.IOException e) {
      throw usage("cannot read allow list " + allowListFile + ": " + e);
    }
  }

  private void readEnvironment() {
    if (source != null) {
      throw usage("--from-env and -s/--source both give the flow's source; give one of them");
    }
    ConnectionEnv.Addresses found;
    try {
      found = ConnectionEnv.read(env);
    } catch (IllegalArgumentException e) {
      throw usage("--from-env: " + e.getMessage());
    }
    source = found.source();
    if (destination == null) {
      if (found.destination() == null) {
        throw usage("--from-env: " + found.launcher() + " does not tell the local address; "
            + "give -dst ADDR:PORT");
      }
      destination = found.destination();
    }
  }

  private Integer askCheck(TrackpeerClient client, QueryRequest request, MacAllowList list) {
    return printDecision(client.check(request, list), request);
  }

  private int printDecision(Decision d, QueryRequest request) {
    StringBuilder macs = new StringBuilder();
    for (org.trackpeer.net.MacAddress m : d.macs()) {
      macs.append(macs.length() == 0 ? "" : " ").append(m);
    }
    out.println(macs);
    err.println("trackpeer: " + (d.allowed() ? "allow" : "deny") + " "
        + ReplyFormat.endpoint(request.source()) + " -> "
        + ReplyFormat.endpoint(request.destination()) + ": " + d.reason());
    out.flush();
    err.flush();
    return d.exitStatus();
  }

  private QueryRequest request() {
    if (source == null) {
      throw usage("missing option -s/--source ADDR:PORT (the flow's source as the server saw it)");
    }
    if (destination == null) {
      throw usage("missing option -dst/--destination ADDR:PORT (the flow's destination)");
    }
    if (source.family() != destination.family()) {
      throw usage("-s " + ReplyFormat.endpoint(source) + " and -dst "
          + ReplyFormat.endpoint(destination)
          + " differ in address family; both must be IPv4 or both IPv6");
    }
    if (udp && protocol != null && protocol != QueryRequest.UDP) {
      throw usage("-udp conflicts with -p tcp; give one of them");
    }
    int proto = udp ? QueryRequest.UDP : protocol == null ? QueryRequest.TCP : protocol;
    long time = timeSeconds == null ? clock.instant().getEpochSecond() : timeSeconds;
    return new QueryRequest(0, proto, source, destination, time, toleranceSeconds, 0);
  }

  private InetSocketAddress agentAddress() {
    if (agent == null) {
      if (source == null) {
        throw usage(stats
            ? "missing option -a/--agent HOST[:PORT] (--stats needs the agent to ask)"
            : "missing option -s/--source ADDR:PORT (the flow's source as the server saw it)");
      }
      return new InetSocketAddress(source.address(), port == null ? Protocol.DEFAULT_PORT : port);
    }
    return parseAgent(agent, port);
  }

  /** Parses {@code HOST}, {@code HOST:PORT}, {@code [V6]} or {@code [V6]:PORT}. */
  private InetSocketAddress parseAgent(String text, Integer portOption) {
    String host = text;
    String portText = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || (close + 1 < text.length() && text.charAt(close + 1) != ':')) {
        throw usage("invalid value for option -a/--agent: '" + text
            + "'; expected HOST, HOST:PORT or [IPV6]:PORT");
      }
      host = text.substring(1, close);
      portText = close + 1 < text.length() ? text.substring(close + 2) : null;
    } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
      host = text.substring(0, text.indexOf(':'));
      portText = text.substring(text.indexOf(':') + 1);
    }
    int p = portOption == null ? Protocol.DEFAULT_PORT : portOption;
    if (portText != null) {
      if (portOption != null) {
        throw usage("-a " + text + " and --port " + portOption + " both give the agent's port; "
            + "give one of them");
      }
      p = parsePort(portText, "-a/--agent", text);
    }
    if (host.isEmpty()) {
      throw usage("invalid value for option -a/--agent: '" + text + "'; the host is empty");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), p);
    } catch (UnknownHostException e) {
      throw usage("invalid value for option -a/--agent: '" + text + "'; cannot resolve " + host);
    }
  }

  private Integer askQuery(TrackpeerClient client, QueryRequest request) {
    String agentText = TrackpeerClient.format(client.agent());
    QueryReply reply;
    try {
      reply = client.query(request);
    } catch (NoAnswerException e) {
      return failure("no_answer", request, agentText, ClientExit.NO_ANSWER, e.getMessage());
    } catch (BadReplyException e) {
      return failure("bad_reply", request, agentText, ClientExit.BAD_REPLY, e.getMessage());
    }
    return printReply(reply, request, agentText);
  }

  private int printReply(QueryReply reply, QueryRequest request, String agentText) {
    int exit = ClientExit.forResult(reply.result());
    if (json) {
      out.println(ReplyFormat.json(reply, request, agentText, exit));
    } else {
      out.println(ReplyFormat.macLine(reply));
      if (verbose) {
        for (String line : ReplyFormat.detailLines(reply)) {
          out.println(line);
        }
      }
      err.println("trackpeer: " + describe(reply));
    }
    out.flush();
    err.flush();
    return exit;
  }

  private Integer askStats(TrackpeerClient client) {
    String agentText = TrackpeerClient.format(client.agent());
    StatsReply reply;
    try {
      reply = client.stats();
    } catch (NoAnswerException e) {
      return failure("no_answer", null, agentText, ClientExit.NO_ANSWER, e.getMessage());
    } catch (BadReplyException e) {
      return failure("bad_reply", null, agentText, ClientExit.BAD_REPLY, e.getMessage());
    }
    int exit = ClientExit.forResult(reply.result());
    if (json) {
      JsonWriter w = new JsonWriter().beginObject();
      w.name("result").value(reply.result().label());
      w.name("exit").value(exit);
      w.name("agent").value(agentText);
      w.name("text").value(reply.text());
      out.println(w.endObject());
    } else {
      out.print(reply.text());
      if (reply.result() != ResultCode.FOUND) {
        err.println("trackpeer: " + reply.result().label());
      }
    }
    out.flush();
    err.flush();
    return exit;
  }

  private int failure(
      String result, QueryRequest request, String agentText, int exit, String message) {
    if (json) {
      out.println(ReplyFormat.jsonFailure(result, request, agentText, exit, message));
      out.flush();
    }
    err.println("trackpeer: " + message);
    err.flush();
    return exit;
  }

  private static String describe(QueryReply reply) {
    String label = reply.result().label();
    int n = reply.records().size();
    if (n == 0) {
      return label;
    }
    return label + " (evidence " + reply.evidence().label() + ", " + reply.totalMatches()
        + (reply.totalMatches() == 1 ? " session" : " sessions")
        + (reply.more() ? ", more not shown" : "") + ")";
  }

  private static UsageException usage(String message) {
    return new UsageException(message);
  }

  private int parsePort(String portText, String option, String value) {
    try {
      int p = Integer.parseInt(portText);
      if (p >= 1 && p <= Endpoint.PORT_MAX) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw usage("invalid value for option " + option + ": '" + value
        + "'; the port must be 1-65535");
  }

  /** Prints a usage error as one line and returns {@link ClientExit#USAGE}. */
  static int reportUsage(PrintWriter err, String message) {
    String msg = message;
    if (!msg.isEmpty()) {
      msg = Character.toLowerCase(msg.charAt(0)) + msg.substring(1);
    }
    err.println("trackpeer: " + msg.replace('\n', ' ').strip());
    err.flush();
    return ClientExit.USAGE;
  }

  /** Reports an unexpected exception in one line and returns {@link ClientExit#INTERNAL_ERROR}. */
  static int reportInternalError(PrintWriter err, Exception e) {
    err.println("trackpeer: internal error: " + e);
    err.flush();
    return ClientExit.INTERNAL_ERROR;
  }

  /**
   * Returns a writer on {@code stream} like the ones picocli makes by default: buffered, flushed
   * on every line, in the charset named by the system property {@code encodingProperty}, else
   * (unset or unknown) the default charset.
   */
  static PrintWriter writer(PrintStream stream, String encodingProperty) {
    String name = System.getProperty(encodingProperty);
    Charset charset = Charset.defaultCharset();
    if (name != null) {
      try {
        charset = Charset.forName("cp65001".equalsIgnoreCase(name) ? "UTF-8" : name);
      } catch (Exception e) {
        // picocli falls back to the default charset too
      }
    }
    return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
  }

  /** Parses {@code A.B.C.D:PORT} or {@code [IPV6]:PORT}; null when it is neither. */
  static Endpoint parseEndpoint(String value) {
    try {
      return Endpoint.parse(value, true);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Parses seconds since the Epoch, 0 or more; null when it is not such a number. */
  static Long parseTime(String value) {
    try {
      long t = Long.parseLong(value);
      return t >= 0 ? t : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Parses tcp or udp in any case into an IP protocol number; null for anything else. */
  static Integer parseProtocol(String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "tcp":
        return QueryRequest.TCP;
      case "udp":
        return QueryRequest.UDP;
      default:
        return null;
    }
  }

  /** Parses an integer within [min, max]; null when it is not one. */
  static Integer parseRange(String value, int min, int max) {
    try {
      int v = Integer.parseInt(value);
      return v >= min && v <= max ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Converts a path as picocli's built-in converter does; null when it is not a valid path. */
  static Path parsePath(String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      return null;
    }
  }

  /**
   * What of the command touches picocli's classes beyond its annotations, kept out of
   * {@link Trackpeer} itself: checking that class would otherwise load them (and open the
   * picocli jar) on the quick path too.
   */
  static final class PicocliSetup {
    private PicocliSetup() {}

    /** Sets the parser options and the error handlers of {@code cl}; returns it. */
    static CommandLine configure(CommandLine cl) {
      cl.setPosixClusteredShortOptionsAllowed(false);
      cl.setCaseInsensitiveEnumValuesAllowed(false);
      cl.setParameterExceptionHandler(new UsageHandler());
      cl.setExecutionExceptionHandler(new InternalErrorHandler());
      return cl;
    }

    /** Returns the picocli exception for a usage error found while running the command. */
    static RuntimeException usageError(CommandSpec spec, String message) {
      return new ParameterException(spec.commandLine(), message);
    }
  }

  /** Reports a usage error (a picocli {@link ParameterException}) through {@link #reportUsage}. */
  static final class UsageHandler implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
      return reportUsage(e.getCommandLine().getErr(), e.getMessage());
    }
  }

  /** Reports an exception of the command through {@link #reportInternalError}. */
  static final class InternalErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
      return reportInternalError(cl.getErr(), e);
    }
  }

  /** Prints the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Trackpeer.class.getPackage().getImplementationVersion();
      return new String[] {
        "trackpeer " + (v == null ? "(development build)" : v),
        "query protocol version " + Protocol.VERSION
      };
    }
  }

  static final class EndpointConverter implements ITypeConverter<Endpoint> {
    @Override
    public Endpoint convert(String value) {
      Endpoint e = parseEndpoint(value);
      if (e == null) {
        throw new TypeConversionException("'" + value
            + "' is not ADDR:PORT; expected A.B.C.D:PORT or [IPV6]:PORT");
      }
      return e;
    }
  }

  static final class TimeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      Long t = parseTime(value);
      if (t == null) {
        throw new TypeConversionException("'" + value
            + "' is not a time; expected seconds since the Epoch (UTC), or 0 for all sessions");
      }
      return t;
    }
  }

  static final class ProtocolConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      Integer p = parseProtocol(value);
      if (p == null) {
        throw new TypeConversionException(
            "'" + value + "' is not a protocol; expected tcp or udp");
      }
      return p;
    }
  }

  /** Parses an integer option within [min, max]. */
  abstract static class RangeConverter implements ITypeConverter<Integer> {
    private final int min;
    private final int max;
    private final String what;

    RangeConverter(int min, int max, String what) {
      this.min = min;
      this.max = max;
      this.what = what;
    }

    @Override
    public Integer convert(String value) {
      Integer v = parseRange(value, min, max);
      if (v == null) {
        throw new TypeConversionException(
            "'" + value + "' is not " + what + "; expected " + min + "-" + max);
      }
      return v;
    }
  }

  static final class PortConverter extends RangeConverter {
    PortConverter() {
      super(1, Endpoint.PORT_MAX, "a port");
    }
  }

  static final class ToleranceConverter extends RangeConverter {
    ToleranceConverter() {
      super(0, QueryRequest.TOLERANCE_MAX_SECONDS, "a number of seconds");
    }
  }

  static final class TimeoutConverter extends RangeConverter {
    TimeoutConverter() {
      super(1, TIMEOUT_MAX_MILLIS, "a number of milliseconds");
    }
  }

  static final class RetriesConverter extends RangeConverter {
    RetriesConverter() {
      super(0, RETRIES_MAX, "a retry count");
    }
  }
}
