package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -maclog 2} against a real rsyslogd and real neighbours in network namespaces.
 *
 * <p>Lab: a router namespace with a bridge {@code lan0} (192.0.2.1/24, 2001:db8:1::1/64) and
 * two host namespaces whose {@code eth0} (fixed MACs 02:00:5e:00:01:01 and :02) are bridge
 * ports. The hosts ping the router so its kernel learns them; the watcher runs inside the router
 * namespace. rsyslogd runs with a private config and socket and writes local4 lines to a file.
 * The agent is the built {@code bin/trackpeerd}, started in the router namespace.
 */
final class MaclogScenario {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String MAC1 = "02:00:5e:00:01:01";
  private static final String MAC2 = "02:00:5e:00:01:02";

  @TempDir Path dir;

  private final String suffix =
      ProcessHandle.current().pid() + "x" + ThreadLocalRandom.current().nextInt(1 << 20);
  private final String router = "tpmr" + suffix;
  private final String host1 = "tpmh1" + suffix;
  private final String host2 = "tpmh2" + suffix;
  private Process rsyslogd;
  private Process agent;

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : new Process[] {agent, rsyslogd}) {
      if (p != null && p.isAlive()) {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    }
    for (String ns : List.of(router, host1, host2)) {
      if (Files.exists(Path.of("/run/netns", ns))) {
        run(false, "ip", "netns", "del", ns);
      }
    }
  }

  /** Builds the agent command: the real daemon, capturing the LAN bridge as well. */
  private List<String> agentCommand(Path socket, Path stateDir) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", router,
        Lab.bin("bin/trackpeerd"), "-c", "/dev/null", "-i", "lan0"));
    cmd.addAll(List.of("-maclog", "2", "--maclog-poll", "1", "--maclog-expire", "3",
        "--maclog-active", "5", "--syslog-socket", socket.toString(),
        "--state-dir", stateDir.toString()));
    return cmd;
  }

  private Process startAgent(Path socket, Path stateDir) throws IOException {
    return new ProcessBuilder(agentCommand(socket, stateDir))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("agent.out").toFile())
        .start();
  }

  @Test
  void maclog2_realNeighboursAndRsyslog_logsNewChangedExpiredActive() throws Exception {
    Lab.assumeLab();
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/rsyslogd")), "needs rsyslog installed");

    Path out = dir.resolve("out.log");
    Path socket = dir.resolve("log");
    rsyslogd = Rsyslog.start(dir, socket, out, "local4.*");
    buildLab();

    agent = startAgent(socket, dir.resolve("state"));
    String tag = "local4.info trackpeerd[" + agent.pid() + "]: ";

    hostCmd(host1, "ping", "-c", "1", "-W", "1", "192.0.2.1");
    awaitLine(out, tag + "New_host if=lan0 ip=192.0.2.11 mac=" + MAC1 + " flags=local");
    hostCmd(host2, "ping", "-c", "1", "-W", "1", "192.0.2.1");
    awaitLine(out, tag + "New_host if=lan0 ip=192.0.2.12 mac=" + MAC2 + " flags=local");

    hostCmd(host1, "ping", "-c", "1", "-W", "1", "2001:db8:1::1");
    hostCmd(host2, "ping", "-c", "1", "-W", "1", "2001:db8:1::1");
    awaitLine(out, tag + "New_ip if=lan0 ip=2001:db8:1::11 mac=" + MAC1 + " flags=local");
    awaitLine(out, tag + "New_ip if=lan0 ip=2001:db8:1::12 mac=" + MAC2 + " flags=local");
    await(out, l -> l.startsWith(tag + "Active_host if=lan0 ip=")
        && l.endsWith(" mac=" + MAC2 + " flags=local"), "an Active_host line for " + MAC2);

    // Host 2 takes host 1's IPv4 address and announces it (ARP request from 192.0.2.11).
    run(true, "ip", "-n", host2, "addr", "add", "192.0.2.11/24", "dev", "eth0");
    run(true, "ip", "-n", host2, "neigh", "flush", "all");
    hostCmd(host2, "ping", "-c", "1", "-W", "1", "-I", "192.0.2.11", "192.0.2.1");
    awaitLine(out, tag + "Changed_host if=lan0 ip=192.0.2.11 mac=" + MAC2 + " old_mac=" + MAC1
        + " flags=local");

    // Host 1 disappears: its namespace goes, the router forgets its last entry.
    run(true, "ip", "netns", "del", host1);
    run(true, "ip", "-n", router, "neigh", "flush", "to", "2001:db8:1::11");
    awaitLine(out, tag + "Expired_host if=lan0 ip=2001:db8:1::11 mac=" + MAC1 + " flags=local");

    // A clean stop logs no expiry and leaves host 2 in the state file.
    agent.destroy();
    assertTrue(agent.waitFor(15, TimeUnit.SECONDS), "agent did not stop");
    List<String> lines = Files.readAllLines(out, StandardCharsets.US_ASCII);
    assertFalse(lines.stream().anyMatch(l -> l.contains("Expired_host") && l.contains(MAC2)),
        String.join("\n", lines));
    List<String> state = Files.readAllLines(dir.resolve("state").resolve("neighbours.state"));
    assertEquals("trackpeerd-neighbours 1", state.get(0));
    assertTrue(state.contains("lan0 " + MAC2 + " 0 192.0.2.11,192.0.2.12,2001:db8:1::12"),
        String.join("\n", state));
    assertTrue(lines.stream().allMatch(l -> l.chars().allMatch(c -> c >= 0x20 && c < 0x7f)));
  }

  private void buildLab() throws Exception {
    run(true, "ip", "netns", "add", router);
    run(true, "ip", "netns", "add", host1);
    run(true, "ip", "netns", "add", host2);
    run(true, "ip", "-n", router, "link", "add", "lan0", "type", "bridge");
    // A fixed bridge address: otherwise removing a port changes it and flushes the table.
    run(true, "ip", "-n", router, "link", "set", "lan0", "address", "02:00:5e:00:00:fe");
    String[] hosts = {host1, host2};
    for (int n = 1; n <= 2; n++) {
      String h = hosts[n - 1];
      run(true, "ip", "link", "add", "p" + n, "netns", router, "type", "veth",
          "peer", "name", "eth0", "netns", h);
      // No link-local address, so only the addresses the test uses reach the router's table.
      run(true, "ip", "netns", "exec", h, "sysctl", "-qw",
          "net.ipv6.conf.eth0.addr_gen_mode=1");
      run(true, "ip", "-n", h, "link", "set", "eth0", "address", "02:00:5e:00:01:0" + n);
      run(true, "ip", "-n", h, "link", "set", "lo", "up");
      run(true, "ip", "-n", h, "link", "set", "eth0", "up");
      run(true, "ip", "-n", h, "addr", "add", "192.0.2.1" + n + "/24", "dev", "eth0");
      run(true, "ip", "-n", h, "addr", "add", "2001:db8:1::1" + n + "/64", "dev", "eth0",
          "nodad");
      run(true, "ip", "-n", router, "link", "set", "p" + n, "master", "lan0");
      run(true, "ip", "-n", router, "link", "set", "p" + n, "up");
    }
    run(true, "ip", "-n", router, "link", "set", "lo", "up");
    run(true, "ip", "-n", router, "link", "set", "lan0", "up");
    run(true, "ip", "-n", router, "addr", "add", "192.0.2.1/24", "dev", "lan0");
    run(true, "ip", "-n", router, "addr", "add", "2001:db8:1::1/64", "dev", "lan0", "nodad");
  }

  private void hostCmd(String ns, String... cmd) throws Exception {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(cmd));
    run(true, full.toArray(new String[0]));
  }

  private static void run(boolean check, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("timed out: " + String.join(" ", cmd));
    }
    if (check && p.exitValue() != 0) {
      fail(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
    }
  }

  private void awaitLine(Path file, String exact) throws Exception {
    await(file, exact::equals, exact);
  }

  private void await(Path file, Predicate<String> match, String what) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      List<String> lines = Files.exists(file)
          ? Files.readAllLines(file, StandardCharsets.US_ASCII) : List.of();
      if (lines.stream().anyMatch(match)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        String agentOut = Files.exists(dir.resolve("agent.out"))
            ? Files.readString(dir.resolve("agent.out")) : "";
        fail("no line " + what + " within " + WAIT + "; got:\n" + String.join("\n", lines)
            + "\nagent output:\n" + agentOut);
      }
      Thread.sleep(200);
    }
  }
}
