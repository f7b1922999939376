package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.trackpeer.daemon.DaemonConfig;
import org.trackpeer.daemon.Trackpeerd;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The generated manual pages: complete, and rendered by man(1) without a warning. */
final class ManPagesTest {
  private static final Path MAN = Lab.ROOT.resolve("trackpeer-lab/target/man");

  private static String page(String name) throws Exception {
    Path p = MAN.resolve(name);
    assumeTrue(Files.isRegularFile(p), "manual pages not generated; run mvn package");
    return Files.readString(p);
  }

  @Test
  void render_eachPage_printsNoWarning() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/man")), "man-db is not installed; skipped");
    for (String name : List.of("trackpeerd.8", "trackpeer.1", "trackpeerd.conf.5")) {
      page(name);
      ProcessBuilder pb = new ProcessBuilder("man", "--warnings", "-l", MAN.resolve(name)
          .toString());
      pb.environment().put("MANWIDTH", "80");
      pb.environment().put("MAN_KEEP_FORMATTING", "");
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      Path err = Files.createTempFile("man", ".err");
      pb.redirectError(err.toFile());
      Process p = pb.start();
      assertTrue(p.waitFor(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS), name);
      String warnings = Files.readString(err);
      Files.delete(err);
      assertEquals(0, p.exitValue(), name + ": " + warnings);
      assertEquals("", warnings, name);
    }
  }

  @Test
  void confPage_everyDaemonConfigKey_isDocumented() throws Exception {
    String text = page("trackpeerd.conf.5");
    Field f = DaemonConfig.class.getDeclaredField("KEYS");
    f.setAccessible(true);
    @SuppressWarnings("unchecked")
    List<String> keys = (List<String>) f.get(null);
    assertTrue(keys.size() > 20, "keys: " + keys);
    for (String key : keys) {
      assertTrue(text.contains("\\fB" + ManPages.escape(key) + "\\fR = "), key);
    }
  }

  @Test
  void daemonPage_everyVisibleOption_isListed() throws Exception {
    String text = page("trackpeerd.8");
    for (OptionSpec o : new CommandLine(new Trackpeerd()).getCommandSpec().options()) {
      if (!o.hidden()) {
        assertTrue(text.contains("\\fB" + ManPages.escape(o.longestName()) + "\\fR"),
            o.longestName());
      }
    }
    assertTrue(text.contains("Changed_host"), "maclog line format");
    assertTrue(text.contains(".SH HISTORY"));
  }

  @Test
  void configKeys_commentBlockWithKey_becomesOneParagraph() {
    List<String> roff = ManPages.configKeys(List.of(
        "# header", "", "# --- Queries ---", "", "# UDP query port: 1 to 65535.",
        "# port = 7709", "", "# Extra clients (list).", "# allow ="));
    assertEquals(List.of(".SS Queries", ".TP", "\\fBport\\fR = \\fI7709\\fR",
        "UDP query port: 1 to 65535.", ".TP", "\\fBallow\\fR = (empty)",
        "Extra clients (list)."), roff);
  }

  @Test
  void escape_leadingDotAndHyphen_areQuoted() {
    assertEquals("\\&.conf \\-x \\e", ManPages.escape(".conf -x \\"));
  }
}
