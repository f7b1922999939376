package org.trackpeer.daemon;

import ch.qos.logback.classic.Level;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trackpeer.daemon.capture.CaptureException;
import org.trackpeer.daemon.capture.CaptureLoop;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code trackpeerd} command: options, start-up checklist, and the wait for a signal. */
@Command(
    name = "trackpeerd",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description =
        "Capture the LAN side of a router, remember recent flows, and tell a server which LAN "
            + "computer (MAC address) sent a connection, even across NAT.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:stopped cleanly, or --check-config found no error",
      "1:runtime failure (query port or prometheus-listen cannot be bound, connection tracking"
          + " required but unavailable); a missing capture interface is waited for, not a"
          + " failure",
      "64:bad command line (EX_USAGE)",
      "66:capture file missing, unreadable or not a capture (EX_NOINPUT)",
      "73:state directory cannot be created or written (EX_CANTCREAT)",
      "78:bad configuration (EX_CONFIG)"
    })
public final class Trackpeerd implements Callable<Integer> {
  /** Exit status for a bad command line. */
  public static final int EX_USAGE = 64;
  /** Exit status for a capture file that cannot be read. */
  public static final int EX_NOINPUT = 66;
  /** Exit status for a state directory that cannot be created or written. */
  public static final int EX_CANTCREAT = 73;
  /** Exit status for a bad configuration. */
  public static final int EX_CONFIG = 78;

  private static final Logger logger = LoggerFactory.getLogger(Trackpeerd.class);

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Configuration file (default: /etc/trackpeerd.conf, if present).")
  Path configFile;

  @Option(names = {"-i", "--interface"}, paramLabel = "IFACE",
      description = "Capture on IFACE (repeatable). Default: the interface of the default route.")
  List<String> interfaces = new ArrayList<>();

  @Option(names = {"-r", "--read"}, paramLabel = "FILE",
      description = "Read frames from a pcap or pcapng file instead, then keep answering.")
  Path readFile;

  @Option(names = {"-maclog", "--maclog"}, paramLabel = "N",
      description = "Log the neighbour table to syslog: 1 joins and leaves, 2 also every "
          + "active MAC every 3 minutes.")
  String maclog;

  @Option(names = {"-p", "--port"}, paramLabel = "PORT",
      description = "UDP query port (default 7709).")
  String port;

  @Option(names = {"-l", "--listen"}, paramLabel = "ADDR",
      description = "Also answer queries on ADDR (repeatable); 127.0.0.1 and ::1 always.")
  List<String> listen = new ArrayList<>();

  @Option(names = {"--allow"}, paramLabel = "NET",
      description = "Also answer clients in NET, e.g. 203.0.113.0/24 (repeatable).")
  List<String> allow = new ArrayList<>();

  @Option(names = {"--nat-address"}, paramLabel = "ADDR",
      description = "A public address the router translates to, besides its own (repeatable).")
  List<String> natAddresses = new ArrayList<>();

  @Option(names = {"--conntrack"}, paramLabel = "MODE",
      description = "Follow connection tracking for NAT translations: auto (default; port "
          + "matching when unavailable), on (required), off.")
  String conntrack;

  @Option(names = {"--outside-interface"}, paramLabel = "IFACE",
      description = "On a capture box: a mirror of the router's outside (WAN) side, paired "
          + "with the inside flows (repeatable).")
  List<String> outsideInterfaces = new ArrayList<>();

  @Option(names = {"--ignore-mac"}, paramLabel = "MAC",
      description = "Never report this MAC as a LAN computer, e.g. the router's when capturing "
          + "beside it (repeatable).")
  List<String> ignoreMacs = new ArrayList<>();

  @Option(names = {"--retention"}, paramLabel = "SECONDS",
      description = "How long flows are kept (default 600).")
  String retention;

  @Option(names = {"--tolerance"}, paramLabel = "SECONDS",
      description = "Default time tolerance of a query (default 5).")
  String tolerance;

  @Option(names = {"--max-entries"}, paramLabel = "N",
      description = "Most flow entries kept; the oldest go first (default 4000000).")
  String maxEntries;

  @Option(names = {"--wildcard"}, description = "Allow wildcard queries (-time 0).")
  boolean wildcard;

  @Option(names = {"--syslog-socket"}, paramLabel = "PATH",
      description = "Syslog socket (default /dev/log).")
  Path syslogSocket;

  @Option(names = {"--state-dir"}, paramLabel = "DIR",
      description = "Where neighbour state is kept (default /var/lib/trackpeerd).")
  Path stateDir;

  @Option(names = {"--maclog-poll"}, paramLabel = "SECONDS",
      description = "Neighbour poll interval.")
  String maclogPoll;

  @Option(names = {"--maclog-expire"}, paramLabel = "SECONDS",
      description = "How long a neighbour must be gone before Expired_host.")
  String maclogExpire;

  @Option(names = {"--maclog-active"}, paramLabel = "SECONDS",
      description = "Interval of the Active_host list with -maclog 2.")
  String maclogActive;

  @Option(names = {"--prometheus-listen"}, paramLabel = "ADDR:PORT",
      description = "Serve the counters for Prometheus on http://ADDR:PORT/metrics (loopback "
          + "only; default off).")
  String prometheusListen;

  @Option(names = {"-d", "--foreground"},
      description = "Stay in the foreground and log to stderr (always the case; kept for "
          + "compatibility).")
  boolean foreground;

  @Option(names = {"-v", "--verbose"}, description = "More log detail (repeat for more).")
  boolean[] verbose = new boolean[0];

  @Option(names = {"-vv"}, hidden = true, description = "Same as -v -v.")
  boolean veryVerbose;

  @Option(names = {"--check-config"}, description = "Validate the configuration and exit.")
  boolean checkConfig;

  /** The signal handling {@link #main} installs before anything else; null in tests. */
  private static volatile Signals early;

  private final Object stopping = new Object();
  private boolean agentStopped;
  private PrintWriter out = new PrintWriter(System.out, true);
  private PrintWriter err = new PrintWriter(System.err, true);

  /** Runs the daemon and exits with its status. */
  public static void main(String[] args) {
    // first of all: a HUP, TERM or INT during start-up must not end the JVM with 129 or 143
    early = Signals.install();
    System.exit(run(args));
  }

  /** Parses {@code args} and runs; returns the exit status. */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Parses {@code args} and runs, printing to {@code out} and {@code err}; returns the status. */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    Trackpeerd command = new Trackpeerd();
    command.out = out;
    command.err = err;
    CommandLine cl = new CommandLine(command);
    cl.setOut(out);
    cl.setErr(err);
    cl.setPosixClusteredShortOptionsAllowed(false);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          PrintWriter perr = ex.getCommandLine().getErr();
          perr.println("trackpeerd: " + ex.getMessage());
          perr.println("Try 'trackpeerd -h' for the options.");
          return EX_USAGE;
        });
    return cl.execute(args);
  }

  @Override
  public Integer call() {
    DaemonConfig config;
    try {
      config = configure();
    } catch (ConfigException e) {
      err.println("trackpeerd: " + e.getMessage());
      return e.commandLine() ? EX_USAGE : EX_CONFIG;
    }
    if (config.filter() != null) {
      try {
        CaptureLoop.checkFilter(config.filter());
      } catch (CaptureException e) {
        err.println("trackpeerd: filter = '" + config.filter() + "': " + e.getMessage());
        return EX_CONFIG;
      }
    }
    if (checkConfig) {
      out.println("trackpeerd: configuration "
          + (config.source() == null ? "(built-in defaults)" : config.source()) + " is valid");
      return 0;
    }
    Signals signals = early;
    if (signals != null && signals.stopRequested()) {
      logger.info("stopped during start-up");
      return 0;
    }
    String stateProblem = config.maclog() == 0 ? null : checkStateDir(config.stateDir());
    if (stateProblem != null) {
      err.println("trackpeerd: " + stateProblem);
      return EX_CANTCREAT;
    }
    setLogLevel();

    logger.info("trackpeerd {} starting", Version.VERSION);
    if (config.source() == null) {
      logger.info("no configuration file {}: using built-in defaults",
          configFile != null ? configFile : DaemonConfig.DEFAULT_FILE);
    } else {
      logger.info("configuration from {}", config.source());
    }

    List<String> ifaces = config.interfaces();
    if (config.readFile() == null && ifaces.isEmpty()) {
      String[] dflt = defaultInterface();
      if (dflt == null) {
        err.println("trackpeerd: no interface given and none is up to take; use -i IFACE");
        return EX_CONFIG;
      }
      logger.info("no interface configured: capturing on {}, {}", dflt[0], dflt[1]);
      logger.warn("on a NAT router the default route leads out: name the LAN side with -i");
      ifaces = List.of(dflt[0]);
    }
    if (config.readFile() != null) {
      try {
        CaptureLoop.checkFile(config.readFile());
      } catch (CaptureException e) {
        err.println("trackpeerd: read-file: " + e.getMessage());
        return EX_NOINPUT;
      }
    }

    if (!CoreDumps.disable()) {
      logger.debug("could not set RLIMIT_CORE to 0");
    }
    Agent agent = new Agent(config);
    try {
      agent.bind();
    } catch (IOException e) {
      err.println("trackpeerd: " + e.getMessage());
      agent.close();
      return 1;
    }

    try {
      agent.startConntrack();
    } catch (IOException e) {
      err.println("trackpeerd: " + e.getMessage());
      agent.close();
      return 1;
    }

    try {
      Neighbours.start(config, agent);
    } catch (IOException | RuntimeException e) {
      err.println("trackpeerd: neighbour logging: " + e.getMessage());
      agent.close();
      return 1;
    }

    agent.startCapture(ifaces);
    agent.startServing();
    if (config.prometheusListen() != null) {
      try {
        PrometheusExporter exporter =
            PrometheusExporter.start(config.prometheusListen(), agent::counters);
        agent.closeOnStop(exporter);
        logger.info("Prometheus metrics on http://{}:{}/metrics",
            config.prometheusListen().getAddress().getHostAddress(), exporter.port());
      } catch (IOException e) {
        System.err.println("trackpeerd: prometheus-listen " + config.prometheusListen() + ": "
            + e.getMessage());
        agent.close();
        return 1;
      }
    }
    logger.info("answering queries on port {} ({}), retention {} s", config.port(),
        agent.listening().stream().map(a -> a.getHostAddress()).collect(
            java.util.stream.Collectors.joining(", ")), config.retentionSeconds());

    SystemdNotify notify = SystemdNotify.fromEnvironment();
    if (notify.enabled()) {
      Thread t = new Thread(() -> notifyWhenReady(agent, notify, config), "sd-notify");
      t.setDaemon(true);
      t.start();
    }

    if (signals == null) {
      signals = Signals.install();
    }
    // TERM and INT end the wait below, so a requested stop exits 0; the hook covers the rest
    signals.onHangUp(() -> reload(agent, notify));
    Thread hook = new Thread(() -> stop(agent, notify), "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      signals.awaitStop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook stops the agent
      return 0;
    }
    stop(agent, notify);
    return 0;
  }

  private void stop(Agent agent, SystemdNotify notify) {
    synchronized (stopping) {
      if (!agentStopped) {
        agentStopped = true;
        notify.stopping();
        logger.info("stopping: {}", agent.summary());
        agent.close();
      }
    }
  }

  /** Re-reads the configuration on SIGHUP and applies what can change while running. */
  private void reload(Agent agent, SystemdNotify notify) {
    notify.reloading();
    try {
      DaemonConfig next = configure();
      List<String> pending = agent.reload(next);
      logger.info("configuration reloaded from {}: {} applied", next.source() == null
          ? "(built-in defaults)" : next.source(), String.join(", ", Agent.LIVE_KEYS));
      if (!pending.isEmpty()) {
        logger.warn(restartWarning(pending));
      }
    } catch (ConfigException | RuntimeException e) {
      logger.error("reload failed, running settings kept: {}", e.getMessage());
    }
    notify.reloaded("configuration reloaded");
  }

  /** Returns the warning that names the changed keys {@code pending} that wait for a restart. */
  static String restartWarning(List<String> pending) {
    return "changed settings that take effect only after a restart: "
        + String.join(", ", pending);
  }

  /** Sends READY=1 once every capture source is open (the query port is bound already). */
  private static void notifyWhenReady(Agent agent, SystemdNotify notify, DaemonConfig config) {
    try {
      while (!agent.ready()) {
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      return;
    }
    notify.ready("capturing, answering queries on port " + config.port());
  }

  private DaemonConfig configure() throws ConfigException {
    DaemonConfig.Raw raw = configFile != null
        ? DaemonConfig.Raw.load(configFile, true)
        : DaemonConfig.Raw.load(DaemonConfig.DEFAULT_FILE, false);
    if (!interfaces.isEmpty()) {
      raw.set("interface", String.join(",", interfaces), "option -i");
    }
    if (readFile != null) {
      raw.set("read-file", readFile.toString(), "option -r");
    }
    setIf(raw, "maclog", maclog, "option -maclog");
    setIf(raw, "port", port, "option --port");
    if (!listen.isEmpty()) {
      raw.set("listen", String.join(",", listen), "option --listen");
    }
    if (!allow.isEmpty()) {
      raw.set("allow", String.join(",", allow), "option --allow");
    }
    if (!natAddresses.isEmpty()) {
      raw.set("nat-addresses", String.join(",", natAddresses), "option --nat-address");
    }
    setIf(raw, "conntrack", conntrack, "option --conntrack");
    if (!outsideInterfaces.isEmpty()) {
      raw.set("outside-interface", String.join(",", outsideInterfaces),
          "option --outside-interface");
    }
    if (!ignoreMacs.isEmpty()) {
      raw.set("ignore-macs", String.join(",", ignoreMacs), "option --ignore-mac");
    }
    setIf(raw, "retention", retention, "option --retention");
    setIf(raw, "tolerance", tolerance, "option --tolerance");
    setIf(raw, "max-entries", maxEntries, "option --max-entries");
    if (wildcard) {
      raw.set("wildcard", "on", "option --wildcard");
    }
    setIf(raw, "syslog-socket", syslogSocket, "option --syslog-socket");
    setIf(raw, "state-dir", stateDir, "option --state-dir");
    setIf(raw, "maclog-poll", maclogPoll, "option --maclog-poll");
    setIf(raw, "maclog-expire", maclogExpire, "option --maclog-expire");
    setIf(raw, "maclog-active", maclogActive, "option --maclog-active");
    setIf(raw, "prometheus-listen", prometheusListen, "option --prometheus-listen");
    return raw.validate();
  }

  /**
   * Checks that the state directory exists or can be created, is a directory and is writable;
   * returns what is wrong, or null. Creates the directory (and its parents) when missing.
   */
  static String checkStateDir(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      return "state-dir " + dir + ": not a directory";
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      return "state-dir " + dir + ": cannot be created (" + IoReason.of(e) + ")";
    } catch (SecurityException e) {
      return "state-dir " + dir + ": cannot be created (permission denied)";
    }
    if (!Files.isWritable(dir)) {
      return "state-dir " + dir + ": not writable by this user";
    }
    return null;
  }

  private static void setIf(DaemonConfig.Raw raw, String key, Object value, String origin) {
    if (value != null) {
      raw.set(key, value.toString(), origin);
    }
  }

  private void setLogLevel() {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    int level = verbose.length + (veryVerbose ? 2 : 0);
    root.setLevel(level == 0 ? Level.INFO : level == 1 ? Level.DEBUG : Level.TRACE);
  }

  /**
   * Returns the interface of the IPv4 default route, or else the first interface that is up,
   * with the reason it was taken; null when there is none.
   */
  static String[] defaultInterface() {
    try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/net/route"))) {
      String line;
      while ((line = r.readLine()) != null) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 2 && f[1].equals("00000000")) {
          return new String[] {f[0], "the default route's interface"};
        }
      }
    } catch (IOException e) {
      logger.debug("read /proc/net/route: {}", e.toString());
    }
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (ni.isUp() && !ni.isLoopback()) {
          return new String[] {ni.getName(), "the first interface that is up"};
        }
      }
    } catch (SocketException e) {
      logger.debug("list interfaces: {}", e.toString());
    }
    return null;
  }
}
