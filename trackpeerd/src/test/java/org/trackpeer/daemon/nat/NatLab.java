package org.trackpeer.daemon.nat;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A NAT router in network namespaces, built with the repository's {@code lab/natlab} script:
 * LAN hosts a (192.0.2.11) and b (192.0.2.12) behind router r, which masquerades to server s
 * (203.0.113.10) as 203.0.113.1. Every command is bounded in time.
 */
public final class NatLab implements AutoCloseable {
  final String name;
  private final Path script;
  private final List<Process> background = new ArrayList<>();

  private NatLab(String name, Path script) {
    this.name = name;
    this.script = script;
  }

  /** Skips the calling test unless it runs as root with the tools the lab needs. */
  static void assumeAvailable() {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "network-namespace tests need root; skipped");
    for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/nft", "/usr/bin/socat")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is not installed; skipped");
    }
    assumeTrue(Files.isRegularFile(script()), "lab/natlab not found; skipped");
  }

  /** Builds a lab with a unique name. */
  static NatLab up() {
    String name = "tn" + Integer.toHexString(0x100000 | ThreadLocalRandom.current().nextInt(
        0x100000)).substring(1) + (ProcessHandle.current().pid() % 10);
    NatLab lab = new NatLab(name, script());
    run(60, "bash", lab.script.toString(), "up", name);
    return lab;
  }

  /** Returns the namespace file of a lab node: r, a, b or s. */
  Path netns(String node) {
    return Path.of("/var/run/netns", name + "-" + node);
  }

  /** Runs a command in a lab node and returns its output; fails on a non-zero exit. */
  String exec(String node, int limitSeconds, String... cmd) {
    return run(limitSeconds, in(node, cmd));
  }

  /** Starts a command in a lab node in the background; it is killed on close. */
  Process start(String node, String... cmd) throws IOException {
    Process p = new ProcessBuilder(in(node, cmd))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    background.add(p);
    return p;
  }

  private String[] in(String node, String... cmd) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name + "-" + node));
    all.addAll(Arrays.asList(cmd));
    return all.toArray(new String[0]);
  }

  @Override
  public void close() {
    for (Process p : background) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : background) {
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    run(60, "bash", script.toString(), "down", name);
  }

  /** Runs a command with a time limit and returns its standard output. */
  public static String run(int limitSeconds, String... cmd) {
    try {
      Path out = Files.createTempFile("natlab", ".out");
      try {
        Process p = new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
        if (!p.waitFor(limitSeconds, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          throw new AssertionError("took longer than " + limitSeconds + " s: "
              + String.join(" ", cmd));
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
          throw new AssertionError("failed (" + p.exitValue() + "): " + String.join(" ", cmd)
              + "\n" + text);
        }
        return text;
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", cmd) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Path script() {
    String prop = System.getProperty("trackpeer.root");
    Path root = prop != null ? Path.of(prop) : null;
    if (root == null || !Files.isDirectory(root.resolve("lab"))) {
      root = Path.of("").toAbsolutePath();
      while (root != null && !Files.isDirectory(root.resolve("lab"))) {
        root = root.getParent();
      }
    }
    return root == null ? Path.of("lab/natlab") : root.resolve("lab/natlab");
  }
}
