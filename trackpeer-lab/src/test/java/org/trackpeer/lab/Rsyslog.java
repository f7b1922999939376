package org.trackpeer.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A private rsyslogd for the scenarios: its own configuration, work directory and socket, so
 * it never touches the machine's {@code /dev/log} or its logs. Every line of the selected
 * facility is written to a file as {@code facility.severity tag message}.
 */
final class Rsyslog {
  private Rsyslog() {}

  /**
   * Starts rsyslogd in {@code dir}, listening on {@code socket}, writing lines that match
   * {@code selector} (e.g. {@code local4.*}) to {@code out}; waits up to 30 s for the socket.
   */
  static Process start(Path dir, Path socket, Path out, String selector)
      throws IOException, InterruptedException {
    Path conf = dir.resolve("rsyslog.conf");
    Files.writeString(conf, String.join("\n",
        "global(workDirectory=\"" + dir + "\")",
        "module(load=\"imuxsock\" SysSock.Use=\"off\")",
        "input(type=\"imuxsock\" Socket=\"" + socket + "\" CreatePath=\"on\")",
        "template(name=\"lab\" type=\"string\""
            + " string=\"%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\\n\")",
        selector + " action(type=\"omfile\" file=\"" + out + "\" template=\"lab\")", ""));
    Path log = dir.resolve("rsyslogd.out");
    Process p = new ProcessBuilder("/usr/sbin/rsyslogd", "-n", "-f", conf.toString(),
        "-i", dir.resolve("rsyslogd.pid").toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Files.exists(socket)) {
      if (System.nanoTime() > deadline || !p.isAlive()) {
        p.destroyForcibly();
        throw new AssertionError("rsyslogd did not open its socket: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
    return p;
  }
}
