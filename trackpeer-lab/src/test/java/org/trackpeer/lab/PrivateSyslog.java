package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An rsyslogd with its own socket and config, writing "facility.severity tag: message" lines
 * of every message it receives to one file; the machine's syslog is not involved.
 */
final class PrivateSyslog implements AutoCloseable {
  final Path socket;
  final Path out;
  private final Path dir;
  private final Process process;

  private PrivateSyslog(Path dir, Process process) {
    this.dir = dir;
    this.socket = dir.resolve("log");
    this.out = dir.resolve("syslog.out");
    this.process = process;
  }

  /** Starts rsyslogd with its files in {@code dir} and waits for its socket. */
  static PrivateSyslog start(Path dir, Duration limit) throws Exception {
    Path socket = dir.resolve("log");
    Path conf = dir.resolve("rsyslog.conf");
    Files.writeString(conf, String.join("\n",
        "global(workDirectory=\"" + dir + "\")",
        "module(load=\"imuxsock\" SysSock.Use=\"off\")",
        "input(type=\"imuxsock\" Socket=\"" + socket + "\" CreatePath=\"on\")",
        "template(name=\"plain\" type=\"string\""
            + " string=\"%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\\n\")",
        "*.* action(type=\"omfile\" file=\"" + dir.resolve("syslog.out")
            + "\" template=\"plain\")", ""));
    Process p = new ProcessBuilder("/usr/sbin/rsyslogd", "-n", "-f", conf.toString(),
        "-i", dir.resolve("rsyslogd.pid").toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("rsyslogd.out").toFile())
        .start();
    PrivateSyslog s = new PrivateSyslog(dir, p);
    long deadline = System.nanoTime() + limit.toNanos();
    while (!Files.exists(socket)) {
      if (System.nanoTime() > deadline || !p.isAlive()) {
        s.close();
        fail("rsyslogd did not open its socket: "
            + Files.readString(dir.resolve("rsyslogd.out")));
      }
      Thread.sleep(100);
    }
    return s;
  }

  /** Returns the lines written so far. */
  List<String> lines() throws Exception {
    return Files.exists(out) ? Files.readAllLines(out, StandardCharsets.UTF_8) : List.of();
  }

  /** Waits up to {@code limit} for a line matching {@code match} and returns it. */
  String await(Predicate<String> match, String what, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      List<String> lines = lines();
      for (String l : lines) {
        if (match.test(l)) {
          return l;
        }
      }
      if (System.nanoTime() > deadline) {
        fail("no " + what + " in syslog within " + limit + ":\n" + String.join("\n", lines));
      }
      Thread.sleep(200);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
