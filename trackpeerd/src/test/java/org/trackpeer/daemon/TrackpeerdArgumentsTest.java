package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad configuration and bad arguments: {@link Trackpeerd#run} returns 78 or 64 with one line
 * naming the key or option, the value and what is allowed, and starts nothing (every case
 * fails before a socket or capture is opened, so the runs return at once).
 */
final class TrackpeerdArgumentsTest {
  @TempDir Path dir;

  private record Result(int status, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Trackpeerd.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(status, out.toString(), err.toString());
  }

  private Path conf(String... lines) throws IOException {
    Path f = dir.resolve("trackpeerd.conf");
    Files.write(f, List.of(lines));
    return f;
  }

  private static void assertOneLine(Result r, int status, String line) {
    assertEquals(status, r.status(), r.err());
    assertEquals(line, r.err().lines().findFirst().orElse(""), r.err());
    assertEquals("", r.out());
  }

  @Test
  void run_dashH_usageOnStdoutAndExitZero() {
    Result r = run("-h");
    assertEquals(0, r.status(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().startsWith("Usage: trackpeerd "), r.out());
    assertTrue(r.out().contains("Capture the LAN side of a router"), r.out());
    assertTrue(r.out().contains("-i, --interface=IFACE"), r.out());
    assertTrue(r.out().contains("-maclog, --maclog=N"), r.out());
    assertTrue(r.out().contains("  78   bad configuration (EX_CONFIG)"), r.out());
  }

  @Test
  void run_unknownKeyInFile_configErrorWithFileAndLine() throws IOException {
    Path f = conf("# comment", "port = 7709", "colour = blue");
    assertOneLine(run("-c", f.toString()), 78, "trackpeerd: " + f + ":3: unknown key 'colour'");
  }

  @Test
  void run_badNumberInFile_namesKeyValueAndRange() throws IOException {
    Path f = conf("max-entries = lots");
    assertOneLine(run("-c", f.toString()), 78, "trackpeerd: " + f
        + ":1: max-entries = 'lots': expected entries from 1000 to 200000000");
  }

  @Test
  void run_retentionOutOfRange_namesRange() throws IOException {
    Path f = conf("retention = 5");
    assertOneLine(run("-c", f.toString()), 78,
        "trackpeerd: " + f + ":1: retention = '5': expected seconds from 10 to 86400");
  }

  @Test
  void run_badCidrInAllow_namesValueAndForm() {
    assertOneLine(run("--allow", "192.0.2.0/33", "--check-config"), 64,
        "trackpeerd: option --allow: '192.0.2.0/33': expected networks such as"
            + " 192.0.2.0/24 or 2001:db8::/32");
  }

  @Test
  void run_badMacInIgnoreMacs_namesValueAndForm() throws IOException {
    Path f = conf("ignore-macs = 02:00:5e:00:01");
    assertOneLine(run("-c", f.toString()), 78, "trackpeerd: " + f
        + ":1: ignore-macs = '02:00:5e:00:01': expected MAC addresses such as 02:00:5e:00:01:01");
  }

  @Test
  void run_badMaclogFacilityInFile_namesKeyValueAndAllowed() throws IOException {
    Path f = conf("maclog = 1", "maclog-facility = local8");
    assertOneLine(run("-c", f.toString(), "--check-config"), 78, "trackpeerd: " + f
        + ":2: maclog-facility = 'local8': expected a syslog facility such as local4, daemon"
        + " or auth");
  }

  @Test
  void run_badMaclogLevelInFile_namesKeyValueAndAllowed() throws IOException {
    Path f = conf("maclog-level = chatty");
    assertOneLine(run("-c", f.toString(), "--check-config"), 78, "trackpeerd: " + f
        + ":1: maclog-level = 'chatty': expected a syslog level such as notice, info or warning");
  }

  @Test
  void run_unknownOption_usageError() {
    Result r = run("--colour", "blue");
    assertOneLine(r, 64, "trackpeerd: Unknown options: '--colour', 'blue'");
    assertTrue(r.err().contains("Try 'trackpeerd -h'"), r.err());
  }

  @Test
  void run_missingOptionValue_usageError() {
    assertOneLine(run("--port"), 64,
        "trackpeerd: Missing required parameter for option '--port' (PORT)");
  }

  @Test
  void run_maclogThree_usageErrorNamesLevels() {
    assertOneLine(run("-maclog", "3", "--check-config"), 64,
        "trackpeerd: option -maclog: '3': expected a level from 0 to 2");
  }

  @Test
  void run_portZero_usageErrorNamesRange() {
    assertOneLine(run("--port", "0", "--check-config"), 64,
        "trackpeerd: option --port: '0': expected a UDP port from 1 to 65535");
  }

  @Test
  void run_badFilterInFile_configErrorWithLibpcapsReason() throws IOException {
    Path f = conf("filter = not port (");
    assertOneLine(run("-c", f.toString(), "--check-config"), 78,
        "trackpeerd: filter = 'not port (': can't parse filter expression: syntax error");
  }

  @Test
  void run_configWithByteOrderMark_isRead() throws IOException {
    Path f = conf("\uFEFFretention = 60");
    Result r = run("-c", f.toString(), "--check-config");
    assertEquals(0, r.status(), r.err());
    assertEquals("trackpeerd: configuration " + f + " is valid\n", r.out());
  }

  @Test
  void run_portNotANumber_usageErrorNamesRange() {
    assertOneLine(run("-p", "seven"), 64,
        "trackpeerd: option --port: 'seven': expected a UDP port from 1 to 65535");
  }

  @Test
  void run_numbersNotNumbers_usageErrorNamesWhatIsAllowed() {
    String[][] cases = {
      {"--retention", "abc", "seconds from 10 to 86400"},
      {"--max-entries", "1e9", "entries from 1000 to 200000000"},
      {"-maclog", "x", "a level from 0 to 2"},
    };
    for (String[] c : cases) {
      assertOneLine(run(c[0], c[1]), 64,
          "trackpeerd: option " + c[0] + ": '" + c[1] + "': expected " + c[2]);
    }
  }

  @Test
  void run_numericOptionErrors_noJavaTypeOrExceptionNames() {
    for (String[] args : List.of(new String[] {"--tolerance", "5s"},
        new String[] {"--maclog-poll", "1.5"}, new String[] {"--maclog-expire", "99999999999"},
        new String[] {"--maclog-active", ""}, new String[] {"--port", "-1"})) {
      Result r = run(args);
      assertEquals(64, r.status(), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("trackpeerd: option " + args[0] + ": '" + args[1]
          + "': expected "), r.err());
    }
  }

  @Test
  void run_missingConfigFile_configError() {
    Path f = dir.resolve("absent.conf");
    assertOneLine(run("-c", f.toString()), 78,
        "trackpeerd: configuration file " + f + ": no such file");
  }

  @Test
  void run_readFileWithInterface_usageError() {
    assertOneLine(run("-r", dir.resolve("x.pcap").toString(), "-i", "eth0"), 64,
        "trackpeerd: option -r cannot be combined with -i: read a capture file or capture on"
            + " interfaces");
  }

  @Test
  void run_readFileInFileWithInterfaceOption_configError() throws IOException {
    Path f = conf("read-file = " + dir.resolve("x.pcap"));
    assertOneLine(run("-c", f.toString(), "-i", "eth0"), 78,
        "trackpeerd: " + f + ":1: read-file cannot be combined with interface");
  }

  @Test
  void run_stateDirUnderAFile_cantCreateSaysWhyInWords() throws IOException {
    Path file = dir.resolve("plain");
    Files.writeString(file, "");
    Path state = file.resolve("state");
    assertOneLine(run("-r", "x.pcap", "-maclog", "1", "--state-dir", state.toString(),
        "--port", "1"), Trackpeerd.EX_CANTCREAT,
        "trackpeerd: state-dir " + state + ": cannot be created (not a directory)");
  }

  @Test
  void run_configFileIsADirectory_configErrorSaysWhyInWords() {
    assertOneLine(run("-c", dir.toString()), 78,
        "trackpeerd: configuration file " + dir + ": is a directory");
  }

  @Test
  void run_captureFileMissing_noInputBeforeAnythingStarts() {
    Path f = dir.resolve("absent.pcap");
    Result r = run("-r", f.toString(), "--port", "1");
    assertEquals(Trackpeerd.EX_NOINPUT, r.status(), r.err());
    assertTrue(r.err().startsWith("trackpeerd: read-file: "), r.err());
    assertTrue(r.err().contains(f.toString()), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void run_captureFileNotACapture_noInput() throws IOException {
    Path f = dir.resolve("text.pcap");
    Files.writeString(f, "not a capture\n");
    Result r = run("-r", f.toString(), "--port", "1");
    assertEquals(Trackpeerd.EX_NOINPUT, r.status(), r.err());
    assertTrue(r.err().startsWith("trackpeerd: read-file: "), r.err());
  }

  @Test
  void run_stateDirIsAFile_cantCreateBeforeAnythingStarts() throws IOException {
    Path file = dir.resolve("state");
    Files.writeString(file, "");
    assertOneLine(run("-r", "x.pcap", "-maclog", "1", "--state-dir", file.toString(),
        "--port", "1"), Trackpeerd.EX_CANTCREAT,
        "trackpeerd: state-dir " + file + ": not a directory");
  }

  @Test
  void checkStateDir_missingParentsCreated_ok() {
    Path d = dir.resolve("a/b/c");
    assertEquals(null, Trackpeerd.checkStateDir(d));
    assertTrue(Files.isDirectory(d));
  }

  @Test
  void checkStateDir_unwritableForNonRoot_named() throws IOException {
    Path d = dir.resolve("ro");
    Files.createDirectory(d, PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("r-xr-xr-x")));
    String problem = Trackpeerd.checkStateDir(d);
    if ("root".equals(System.getProperty("user.name"))) {
      assertEquals(null, problem, "root may write anywhere");
    } else {
      assertEquals("state-dir " + d + ": not writable by this user", problem);
    }
  }

  @Test
  void run_checkConfigValidFile_printsOkAndZero() throws IOException {
    Path f = conf("port = 7710", "retention = 300", "allow = 198.51.100.0/24");
    Result r = run("-c", f.toString(), "--check-config");
    assertEquals(0, r.status(), r.err());
    assertEquals("trackpeerd: configuration " + f + " is valid", r.out().strip());
    assertEquals("", r.err());
  }

  @Test
  void run_checkConfigInvalidFile_configError() throws IOException {
    Path f = conf("tolerance = -1");
    Result r = run("-c", f.toString(), "--check-config");
    assertEquals(78, r.status());
    assertEquals("", r.out());
    assertTrue(r.err().contains("tolerance = '-1'"), r.err());
  }

  @Test
  void run_authKeyFileMissing_checkAndStartFailNamingKeyFileAndReason() throws IOException {
    Path keys = dir.resolve("absent.keys");
    Path f = conf("port = 7710", "auth-key-file = " + keys);
    String line = "trackpeerd: " + f + ":2: auth-key-file = '" + keys + "': no such file";
    assertOneLine(run("-c", f.toString(), "--check-config"), 78, line);
    Result start = run("-c", f.toString());
    assertOneLine(start, 78, line);
    assertEquals(1, start.err().lines().count(), start.err());
  }

  /** Checks a configuration whose key file holds {@code contents}: 78 with {@code reason}. */
  private void assertKeyFileRejected(String contents, String reason) throws IOException {
    Path keys = dir.resolve("bad.keys");
    Files.writeString(keys, contents);
    Path f = conf("auth-key-file = " + keys);
    assertOneLine(run("-c", f.toString(), "--check-config"), 78,
        "trackpeerd: " + f + ":1: auth-key-file = '" + keys + "': " + reason);
  }

  @Test
  void run_authKeyFileMalformedLine_configErrorNamesLineWithoutSecret() throws IOException {
    assertKeyFileRejected("# keys\n7 00112233445566778899aabbccddeeff\n8 zz112233\n",
        "line 3: malformed, expected 'KEYID SECRET_HEX'");
  }

  @Test
  void run_authKeyFileShortSecret_configErrorNamesLineAndMinimum() throws IOException {
    assertKeyFileRejected("1 0011223344\n", "line 1: secret shorter than 16 bytes (5)");
  }

  @Test
  void run_authKeyFileWithoutKey_configError() throws IOException {
    assertKeyFileRejected("# none yet\n", "holds no key");
  }

  @Test
  void run_authKeyFileIsADirectory_configErrorNotReadable() throws IOException {
    Path f = conf("auth-key-file = " + dir);
    assertOneLine(run("-c", f.toString(), "--check-config"), 78, "trackpeerd: " + f
        + ":1: auth-key-file = '" + dir + "': not readable (a directory)");
  }

  @Test
  void run_authKeyFileValid_checkConfigPasses() throws IOException {
    Path keys = dir.resolve("good.keys");
    Files.writeString(keys, "7 00112233445566778899aabbccddeeff\n");
    Path f = conf("auth-key-file = " + keys);
    Result r = run("-c", f.toString(), "--check-config");
    assertEquals(0, r.status(), r.err());
    assertEquals("trackpeerd: configuration " + f + " is valid\n", r.out());
  }

  @Test
  void coreDumps_disable_limitIsZero() throws IOException {
    assertTrue(CoreDumps.disable(), "setrlimit failed");
    String limits = Files.readString(Path.of("/proc/self/limits"));
    String line = limits.lines().filter(l -> l.startsWith("Max core file size"))
        .findFirst().orElseThrow();
    assertTrue(line.matches("Max core file size\\s+0\\s+0\\s+bytes\\s*"), line);
  }

  @Test
  void fileLabel_longOrOddFileName_validInterfaceName() {
    assertEquals("802.1ad_QinQ.pc", Agent.fileLabel(Path.of("/x/802.1ad_QinQ.pcap")));
    assertEquals("a_b.pcap", Agent.fileLabel(Path.of("a b.pcap")));
    assertEquals("file", Agent.fileLabel(Path.of("/")));
  }
}
