package org.trackpeer.lab;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs commands for the scenarios: the lab script, programs inside namespaces, and the built
 * launchers in {@code bin/}. Every wait is bounded.
 */
final class Lab {
  /** The repository root. */
  static final Path ROOT = findRoot();

  private Lab() {}

  /** Skips the calling test unless it runs as root with iproute2 and nftables. */
  static void assumeLab() {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "network-namespace scenarios need root; skipped");
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
        "iproute2 (ip) is not installed; skipped");
    assumeTrue(Files.isRegularFile(ROOT.resolve("trackpeerd/target/trackpeerd.jar")),
        "trackpeerd is not built; run mvn verify from the top");
  }

  /** Returns a short random lab name, so concurrent runs never share namespaces. */
  static String uniqueName(String prefix) {
    return prefix + Integer.toHexString(new Random().nextInt(0x10000) | 0x10000).substring(1);
  }

  /** Runs a command, waits up to 60 s, and returns its output; fails on a non-zero exit. */
  static String run(String... cmd) {
    Result r = exec(Duration.ofSeconds(60), cmd);
    if (r.exit != 0) {
      throw new AssertionError("command failed (" + r.exit + "): " + String.join(" ", cmd)
          + "\n" + r.out + r.err);
    }
    return r.out;
  }

  /** The outcome of a finished command. */
  record Result(int exit, String out, String err) {}

  /** Runs a command with a time limit and returns its exit status and output. */
  static Result exec(Duration limit, String... cmd) {
    try {
      Path out = Files.createTempFile("lab", ".out");
      Path err = Files.createTempFile("lab", ".err");
      try {
        Process p = new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          throw new AssertionError("command took longer than " + limit + ": " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new AssertionError("run " + String.join(" ", cmd) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Prefixes {@code cmd} with {@code ip netns exec NS}. */
  static String[] in(String ns, String... cmd) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    all.addAll(Arrays.asList(cmd));
    return all.toArray(new String[0]);
  }

  /** Returns the path of a launcher or script under the repository root. */
  static String bin(String relative) {
    return ROOT.resolve(relative).toString();
  }

  /** A process started in the background, with its output collected in a file. */
  static final class Background implements AutoCloseable {
    final Process process;
    final Path log;

    Background(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    /** Returns what the process printed so far. */
    String output() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }

    /** Waits until the output satisfies {@code ready}, at most {@code limit}. */
    void awaitOutput(Predicate<String> ready, Duration limit) throws InterruptedException {
      long deadline = System.nanoTime() + limit.toNanos();
      while (System.nanoTime() < deadline) {
        if (ready.test(output())) {
          return;
        }
        if (!process.isAlive()) {
          throw new AssertionError("process exited (" + process.exitValue() + "):\n" + output());
        }
        Thread.sleep(100);
      }
      throw new AssertionError("not ready after " + limit + ":\n" + output());
    }

    /** Sends SIGTERM and waits up to 5 s, then kills; returns the exit status. */
    int stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        return -1;
      }
      return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        stop();
      }
      try {
        Files.deleteIfExists(log);
      } catch (IOException e) {
        // a leftover temp file is harmless
      }
    }
  }

  /** Starts {@code cmd} in the background, stdout and stderr into one log file. */
  static Background start(String... cmd) throws IOException {
    Path log = Files.createTempFile("lab", ".log");
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    return new Background(p, log);
  }

  private static Path findRoot() {
    String prop = System.getProperty("trackpeer.root");
    if (prop != null && Files.isDirectory(Path.of(prop, "lab"))) {
      return Path.of(prop).toAbsolutePath();
    }
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("lab"))) {
      p = p.getParent();
    }
    return p == null ? Path.of("").toAbsolutePath() : p;
  }
}
