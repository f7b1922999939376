package org.trackpeer.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.trackpeer.client.Trackpeer;
import org.trackpeer.daemon.Trackpeerd;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Writes the manual pages at build time: hand-written roff templates from
 * {@code packaging/man/*.in}, with the option lists taken from the picocli annotations of the
 * two commands and the configuration keys taken from the comments of
 * {@code conf/trackpeerd.conf}. Output is plain man(7) roff, gzipped as Debian installs it.
 */
public final class ManPages {
  private ManPages() {}

  /** Arguments: repository root, output directory, version, date (YYYY-MM-DD). */
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Path out = Path.of(args[1]);
    String version = args[2];
    String date = args[3];
    Files.createDirectories(out);
    Path templates = root.resolve("packaging/man");
    CommandSpec daemon = new CommandLine(new Trackpeerd()).getCommandSpec();
    CommandSpec client = new CommandLine(newClient()).getCommandSpec();
    List<String> keys = configKeys(Files.readAllLines(root.resolve("conf/trackpeerd.conf")));
    write(out, "trackpeerd.8", fill(templates.resolve("trackpeerd.8.in"), version, date,
        options(daemon), exitStatus(daemon), List.of()));
    write(out, "trackpeer.1", fill(templates.resolve("trackpeer.1.in"), version, date,
        options(client), exitStatus(client), List.of()));
    write(out, "trackpeerd.conf.5", fill(templates.resolve("trackpeerd.conf.5.in"), version,
        date, List.of(), List.of(), keys));
  }

  private static Object newClient() throws ReflectiveOperationException {
    Constructor<Trackpeer> c = Trackpeer.class.getDeclaredConstructor(Clock.class);
    c.setAccessible(true);
    return c.newInstance(Clock.systemUTC());
  }

  private static void write(Path dir, String name, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    Files.write(dir.resolve(name), bytes);
    try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name + ".gz")))) {
      os.write(bytes);
    }
  }

  static String fill(Path template, String version, String date, List<String> options,
      List<String> exit, List<String> keys) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String line : Files.readAllLines(template, StandardCharsets.UTF_8)) {
      switch (line) {
        case "@OPTIONS@" -> options.forEach(l -> sb.append(l).append('\n'));
        case "@EXIT_STATUS@" -> exit.forEach(l -> sb.append(l).append('\n'));
        case "@KEYS@" -> keys.forEach(l -> sb.append(l).append('\n'));
        default -> sb.append(line.replace("@VERSION@", version).replace("@DATE@", date))
            .append('\n');
      }
    }
    return sb.toString();
  }

  /** Escapes text for a roff text line. */
  static String escape(String text) {
    String s = text.replace("\\", "\\e").replace("-", "\\-");
    if (s.startsWith(".") || s.startsWith("'")) {
      s = "\\&" + s;
    }
    return s;
  }

  /** One {@code .TP} paragraph per visible option, in declaration order. */
  static List<String> options(CommandSpec spec) {
    List<String> out = new ArrayList<>();
    for (OptionSpec o : spec.options()) {
      if (o.hidden()) {
        continue;
      }
      StringBuilder head = new StringBuilder();
      for (String name : o.names()) {
        if (head.length() > 0) {
          head.append(", ");
        }
        head.append("\\fB").append(escape(name)).append("\\fR");
      }
      if (o.arity().max() > 0) {
        head.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
      }
      out.add(".TP");
      out.add(head.toString());
      out.add(escape(String.join(" ", o.description()).replace("%n", " ").replace("%%", "%")));
    }
    return out;
  }

  /** The command's exit status list as {@code .TP} paragraphs. */
  static List<String> exitStatus(CommandSpec spec) {
    List<String> out = new ArrayList<>();
    spec.usageMessage().exitCodeList().forEach((code, text) -> {
      out.add(".TP");
      out.add("\\fB" + escape(code.strip()) + "\\fR");
      out.add(escape(text.replace("%n", " ")));
    });
    return out;
  }

  /**
   * Turns the sample configuration into {@code .SS}/{@code .TP} paragraphs: a
   * {@code # --- Title ---} line starts a section, and each block of comment lines ending in
   * {@code # key = value} documents that key with the comment text above it.
   */
  static List<String> configKeys(List<String> lines) {
    List<String> out = new ArrayList<>();
    List<String> text = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty()) {
        text.clear();
        continue;
      }
      if (!line.startsWith("#")) {
        continue;
      }
      String body = line.substring(1).strip();
      if (body.startsWith("---")) {
        out.add(".SS " + escape(body.replaceAll("-+", " ").strip()));
        text.clear();
        continue;
      }
      if (body.matches("[a-z][a-z-]* =.*")) {
        int eq = body.indexOf('=');
        String key = body.substring(0, eq).strip();
        String value = body.substring(eq + 1).strip();
        out.add(".TP");
        out.add("\\fB" + escape(key) + "\\fR = "
            + (value.isEmpty() ? "(empty)" : "\\fI" + escape(value) + "\\fR"));
        out.add(escape(String.join(" ", text)));
        text.clear();
        continue;
      }
      text.add(body);
    }
    return out;
  }
}
