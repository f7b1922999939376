package org.trackpeer.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.trackpeer.daemon.syslog.SyslogSink;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.Auth;

/**
 * The agent's validated settings, from {@code trackpeerd.conf} and the command line.
 *
 * <p>The file holds {@code key = value} lines; {@code #} starts a comment; list values are
 * separated by commas or spaces, and a key may be repeated to add to a list. Every key, its
 * default and its range is documented in {@code conf/trackpeerd.conf}. Options given on the
 * command line replace the file's value of the same key.
 */
public record DaemonConfig(
    Path source,
    List<String> interfaces,
    Path readFile,
    List<InetAddress> listen,
    int port,
    List<Cidr> allow,
    int retentionSeconds,
    int bucketSeconds,
    long maxEntries,
    double maxSharePerMac,
    int toleranceSeconds,
    boolean wildcard,
    int wildcardMax,
    List<InetAddress> natAddresses,
    List<MacAddress> ignoreMacs,
    int snaplen,
    int bufferBytes,
    int captureNice,
    String captureReader,
    String filter,
    int maclog,
    int maclogPollSeconds,
    int maclogExpireSeconds,
    int maclogActiveSeconds,
    SyslogSink.Facility maclogFacility,
    SyslogSink.Level maclogLevel,
    Path syslogSocket,
    Path stateDir,
    double ratePerClient,
    int ratePerClientBurst,
    double rateTotal,
    int rateTotalBurst,
    double rateRefusals,
    Path authKeyFile,
    boolean audit,
    SyslogSink.Facility auditFacility,
    SyslogSink.Level auditLevel,
    int auditRate,
    String conntrack,
    List<String> outsideInterfaces,
    InetSocketAddress prometheusListen) {

  public static final Path DEFAULT_FILE = Path.of("/etc/trackpeerd.conf");
  public static final int DEFAULT_PORT = 7709;
  public static final int RETENTION_MIN_SECONDS = 10;
  public static final int RETENTION_MAX_SECONDS = 86400;
  public static final int TOLERANCE_MAX_SECONDS = 3600;
  public static final long MAX_ENTRIES_MIN = 1000;
  public static final long MAX_ENTRIES_MAX = 200_000_000L;

  /** Every key the file may hold, in the order the sample file documents them. */
  static final List<String> KEYS =
      List.of(
          "interface", "read-file", "listen", "port", "allow", "retention", "bucket",
          "max-entries", "max-share-per-mac", "tolerance", "wildcard", "wildcard-max",
          "nat-addresses", "ignore-macs", "snaplen", "buffer-size", "capture-nice", "capture-reader",
          "filter",
          "maclog", "maclog-poll", "maclog-expire", "maclog-active", "maclog-facility",
          "maclog-level", "syslog-socket", "state-dir",
          "rate-per-client", "rate-per-client-burst", "rate-total", "rate-total-burst",
          "rate-refusals", "auth-key-file",
          "audit", "audit-facility", "audit-level", "audit-rate",
          "conntrack", "outside-interface", "prometheus-listen");

  /**
   * Reads the keys of {@code auth-key-file}.
   *
   * @throws ConfigException naming the key, the file and what is wrong with it (no such file,
   *     not readable, a malformed line, a short secret), never quoting a secret
   */
  public static Map<Long, Auth.Key> readAuthKeys(Path file) throws ConfigException {
    String named = "auth-key-file = '" + file + "': ";
    try {
      return Auth.readKeyFile(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(named + "no such file");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new ConfigException(named + "not readable (permission denied)");
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new ConfigException(named + "not ASCII text");
    } catch (IOException e) {
      if (Files.isDirectory(file)) {
        throw new ConfigException(named + "not readable (a directory)");
      }
      String m = String.valueOf(e.getMessage());
      Matcher line = Pattern.compile(Pattern.quote(file.toString()) + ":(\\d+): (.*)").matcher(m);
      if (line.matches()) {
        throw new ConfigException(named + "line " + line.group(1) + ": " + line.group(2));
      }
      if (m.equals(file + ": no key")) {
        throw new ConfigException(named + "holds no key");
      }
      throw new ConfigException(named + "not readable (" + IoReason.of(e) + ")");
    }
  }

  /**
   * Returns the configuration key of the record component {@code component}, for instance
   * {@code retention} for {@code retentionSeconds}.
   */
  static String keyOf(String component) {
    switch (component) {
      case "interfaces":
        return "interface";
      case "outsideInterfaces":
        return "outside-interface";
      case "bufferBytes":
        return "buffer-size";
      default:
        String name = component.endsWith("Seconds")
            ? component.substring(0, component.length() - "Seconds".length())
            : component;
        return name.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }
  }

  /** The loopback addresses the query port is always bound to, unless the host lacks them. */
  public static final List<InetAddress> LOOPBACK =
      List.of(Endpoint.parseAddress("127.0.0.1"), Endpoint.parseAddress("::1"));

  /**
   * Returns the loopback addresses followed by {@code named}, each once. A wildcard address
   * already covers loopback ({@code 0.0.0.0} covers 127.0.0.1, a dual-stack {@code ::} both),
   * and binding both would fail, so loopback it covers is left out.
   */
  static List<InetAddress> withLoopback(List<InetAddress> named) {
    boolean any4 = named.stream()
        .anyMatch(a -> a.isAnyLocalAddress() && a instanceof java.net.Inet4Address);
    boolean any6 = named.stream()
        .anyMatch(a -> a.isAnyLocalAddress() && a instanceof java.net.Inet6Address);
    java.util.LinkedHashSet<InetAddress> all = new java.util.LinkedHashSet<>();
    for (InetAddress lo : LOOPBACK) {
      boolean v4 = lo instanceof java.net.Inet4Address;
      if (!any6 && !(v4 && any4)) {
        all.add(lo);
      }
    }
    all.addAll(named);
    return List.copyOf(all);
  }

  /** Raw settings with where each came from, before validation. */
  public static final class Raw {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();
    private Path source;

    /** Sets {@code key} (replacing the file's value), noting {@code origin} for messages. */
    public Raw set(String key, String value, String origin) {
      values.put(key, value);
      origins.put(key, origin);
      return this;
    }

    /** Returns the file the values came from, or null for built-in defaults. */
    public Path source() {
      return source;
    }

    /**
     * Reads a configuration file.
     *
     * @param required false for the default path, which may be absent
     */
    public static Raw load(Path file, boolean required) throws ConfigException {
      Raw raw = new Raw();
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (java.nio.charset.CharacterCodingException e) {
        throw new ConfigException("configuration file " + file + ": not UTF-8 text");
      } catch (java.nio.file.AccessDeniedException e) {
        throw new ConfigException("configuration file " + file + ": permission denied");
      } catch (NoSuchFileException e) {
        if (required) {
          throw new ConfigException("configuration file " + file + ": no such file");
        }
        return raw;
      } catch (IOException e) {
        throw new ConfigException("configuration file " + file + ": " + IoReason.of(e));
      }
      raw.source = file;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (i == 0 && line.startsWith("\uFEFF")) {
          line = line.substring(1); // a byte-order mark some editors write
        }
        int hash = line.indexOf('#');
        if (hash >= 0) {
          line = line.substring(0, hash);
        }
        line = line.strip();
        if (line.isEmpty()) {
          continue;
        }
        String where = file + ":" + (i + 1);
        int eq = line.indexOf('=');
        if (eq <= 0) {
          throw new ConfigException(where + ": expected 'key = value', got '" + line + "'");
        }
        String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = line.substring(eq + 1).strip();
        if (!KEYS.contains(key)) {
          throw new ConfigException(where + ": unknown key '" + key + "'");
        }
        String previous = raw.values.get(key);
        boolean list = isList(key);
        raw.set(key, list && previous != null ? previous + "," + value : value, where);
      }
      return raw;
    }

    private static boolean isList(String key) {
      return List.of("interface", "listen", "allow", "nat-addresses", "ignore-macs",
              "outside-interface")
          .contains(key);
    }

    private String origin(String key) {
      String o = origins.get(key);
      return o == null ? "default" : o;
    }

    private ConfigException bad(String key, String allowed) {
      String o = origin(key);
      if (o.startsWith("option ")) {
        return new ConfigException(
            o + ": '" + values.get(key) + "': expected " + allowed, true);
      }
      return new ConfigException(
          o + ": " + key + " = '" + values.get(key) + "': expected " + allowed);
    }

    private String string(String key, String dflt) {
      String v = values.get(key);
      return v == null || v.isEmpty() ? dflt : v;
    }

    private long number(String key, long dflt, long min, long max, String unit)
        throws ConfigException {
      String v = values.get(key);
      if (v == null || v.isEmpty() && !origin(key).startsWith("option ")) {
        return dflt;
      }
      long n;
      try {
        n = Long.parseLong(v.strip());
      } catch (NumberFormatException e) {
        throw bad(key, unit + " from " + min + " to " + max);
      }
      if (n < min || n > max) {
        throw bad(key, unit + " from " + min + " to " + max);
      }
      return n;
    }

    private boolean bool(String key, boolean dflt) throws ConfigException {
      String v = values.get(key);
      if (v == null || v.isEmpty()) {
        return dflt;
      }
      switch (v.strip().toLowerCase(Locale.ROOT)) {
        case "on": case "yes": case "true": case "1":
          return true;
        case "off": case "no": case "false": case "0":
          return false;
        default:
          throw bad(key, "on or off");
      }
    }

    private List<String> list(String key) {
      String v = values.get(key);
      List<String> out = new ArrayList<>();
      if (v == null) {
        return out;
      }
      for (String item : v.split("[,\\s]+")) {
        if (!item.isEmpty()) {
          out.add(item);
        }
      }
      return out;
    }

    private List<InetAddress> addresses(String key, List<String> dflt) throws ConfigException {
      List<String> items = values.containsKey(key) ? list(key) : dflt;
      List<InetAddress> out = new ArrayList<>();
      for (String item : items) {
        try {
          out.add(Endpoint.parseAddress(item));
        } catch (IllegalArgumentException e) {
          throw bad(key, "numeric IPv4 or IPv6 addresses");
        }
      }
      return out;
    }

    /** Validates every value and returns the settings. */
    public DaemonConfig validate() throws ConfigException {
      List<String> interfaces = list("interface");
      for (String key : List.of("interface", "outside-interface")) {
        for (String i : list(key)) {
          if (i.length() > 15 || !i.matches("[A-Za-z0-9_.:@-]+")) {
            throw bad(key, "interface names of at most 15 characters");
          }
        }
      }
      if (string("syslog-socket", "/dev/log").getBytes(StandardCharsets.UTF_8).length > 107) {
        throw bad("syslog-socket", "a path of at most 107 bytes (the socket address limit)");
      }
      String rf = values.get("read-file");
      Path readFile = rf == null || rf.isEmpty() ? null : Path.of(rf);
      if (readFile != null && !interfaces.isEmpty()) {
        boolean options = origin("read-file").startsWith("option ")
            && origin("interface").startsWith("option ");
        if (options) {
          throw new ConfigException(origin("read-file") + " cannot be combined with "
              + origin("interface").substring("option ".length())
              + ": read a capture file or capture on interfaces", true);
        }
        throw new ConfigException(
            origin("read-file") + ": read-file cannot be combined with interface");
      }
      List<Cidr> allow = new ArrayList<>();
      for (String item : list("allow")) {
        try {
          allow.add(Cidr.parse(item));
        } catch (IllegalArgumentException e) {
          throw bad("allow", "networks such as 192.0.2.0/24 or 2001:db8::/32");
        }
      }
      List<MacAddress> ignore = new ArrayList<>();
      for (String item : list("ignore-macs")) {
        try {
          ignore.add(MacAddress.parse(item));
        } catch (IllegalArgumentException e) {
          throw bad("ignore-macs", "MAC addresses such as 02:00:5e:00:01:01");
        }
      }
      double share;
      try {
        share = Double.parseDouble(string("max-share-per-mac", "0.5"));
      } catch (NumberFormatException e) {
        throw bad("max-share-per-mac", "a fraction from 0.001 to 1");
      }
      if (!(share >= 0.001 && share <= 1.0)) {
        throw bad("max-share-per-mac", "a fraction from 0.001 to 1");
      }
      int retention =
          (int) number("retention", 600, RETENTION_MIN_SECONDS, RETENTION_MAX_SECONDS, "seconds");
      int bucket = (int) number("bucket", 2, 1, 60, "seconds");
      if (bucket * 4L > retention) {
        throw bad("bucket", "at most a quarter of retention (" + retention + " s)");
      }
      String filter = values.get("filter");
      String keyFile = values.get("auth-key-file");
      if (keyFile != null && !keyFile.isBlank()) {
        try {
          readAuthKeys(Path.of(keyFile.strip()));
        } catch (ConfigException e) {
          throw new ConfigException(origin("auth-key-file") + ": " + e.getMessage());
        }
      }
      return new DaemonConfig(
          source,
          List.copyOf(interfaces),
          readFile,
          withLoopback(addresses("listen", List.of())),
          (int) number("port", DEFAULT_PORT, 1, 65535, "a UDP port"),
          List.copyOf(allow),
          retention,
          bucket,
          number("max-entries", 4_000_000, MAX_ENTRIES_MIN, MAX_ENTRIES_MAX, "entries"),
          share,
          (int) number("tolerance", 5, 0, TOLERANCE_MAX_SECONDS, "seconds"),
          bool("wildcard", false),
          (int) number("wildcard-max", 256, 1, 65535, "records"),
          List.copyOf(addresses("nat-addresses", List.of())),
          List.copyOf(ignore),
          (int) number("snaplen", 128, 64, 262144, "bytes"),
          (int) number("buffer-size", 16 << 20, 1 << 16, 1 << 30, "bytes"),
          (int) number("capture-nice", 0, -20, 0, "a nice value"),
          captureReader(),
          filter == null || filter.isBlank() ? null : filter,
          (int) number("maclog", 0, 0, 2, "a level"),
          (int) number("maclog-poll", 5, 1, 3600, "seconds"),
          (int) number("maclog-expire", 30, 1, 86400, "seconds"),
          (int) number("maclog-active", 180, 1, 86400, "seconds"),
          facility("maclog-facility", "local4"),
          level("maclog-level", "info"),
          Path.of(string("syslog-socket", "/dev/log")),
          Path.of(string("state-dir", "/var/lib/trackpeerd")),
          number("rate-per-client", 20, 0, 100_000, "queries a second (0 = unlimited)"),
          (int) number("rate-per-client-burst", 40, 1, 100_000, "queries"),
          number("rate-total", 500, 0, 1_000_000, "queries a second (0 = unlimited)"),
          (int) number("rate-total-burst", 1000, 1, 1_000_000, "queries"),
          number("rate-refusals", 10, 0, 100_000, "replies a second (0 = unlimited)"),
          keyFile == null || keyFile.isBlank() ? null : Path.of(keyFile.strip()),
          bool("audit", true),
          facility("audit-facility", "local4"),
          level("audit-level", "notice"),
          (int) number("audit-rate", 20, 1, 10000, "lines per second"),
          conntrackMode(),
          List.copyOf(list("outside-interface")),
          prometheusListen());
    }

    private InetSocketAddress prometheusListen() throws ConfigException {
      String v = values.get("prometheus-listen");
      if (v == null || v.isBlank() || v.strip().equals("off")) {
        return null;
      }
      try {
        Endpoint e = Endpoint.parse(v.strip(), true);
        if (!e.address().isLoopbackAddress()) {
          throw bad("prometheus-listen", "a loopback ADDRESS:PORT such as 127.0.0.1:9277");
        }
        return new InetSocketAddress(e.address(), e.port());
      } catch (IllegalArgumentException ex) {
        throw bad("prometheus-listen", "ADDRESS:PORT such as 127.0.0.1:9277, or off");
      }
    }

    private String captureReader() throws ConfigException {
      String v = string("capture-reader", "ring").strip().toLowerCase(Locale.ROOT);
      if (!List.of("ring", "libpcap").contains(v)) {
        throw bad("capture-reader", "ring or libpcap");
      }
      return v;
    }

    private String conntrackMode() throws ConfigException {
      String v = string("conntrack", "auto").strip().toLowerCase(Locale.ROOT);
      if (!List.of("auto", "on", "off").contains(v)) {
        throw bad("conntrack", "auto, on or off");
      }
      return v;
    }

    private SyslogSink.Facility facility(String key, String dflt) throws ConfigException {
      try {
        return SyslogSink.Facility.parse(string(key, dflt));
      } catch (IllegalArgumentException e) {
        throw bad(key, "a syslog facility such as local4, daemon or auth");
      }
    }

    private SyslogSink.Level level(String key, String dflt) throws ConfigException {
      try {
        return SyslogSink.Level.parse(string(key, dflt));
      } catch (IllegalArgumentException e) {
        throw bad(key, "a syslog level such as notice, info or warning");
      }
    }
  }
}
