package org.trackpeer.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.trackpeer.lab.Lab.bin;
import static org.trackpeer.lab.Lab.in;
import static org.trackpeer.lab.Lab.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Installs the built Debian package with apt-get, runs the installed agent as its system user
 * with only the unit's capabilities in a NAT lab, asks it with the installed client, enables
 * the unit, then removes and purges the package and checks what is left.
 */
final class DebPackageScenario {
  private static final String HOST_A_MAC = "02:00:5e:00:01:01";
  private static final List<String> PACKAGE_FILES = List.of(
      "/usr/sbin/trackpeerd", "/usr/bin/trackpeer", "/usr/share/trackpeer/trackpeerd.jar",
      "/usr/share/trackpeer/trackpeer-client.jar", "/lib/systemd/system/trackpeerd.service",
      "/usr/share/man/man8/trackpeerd.8.gz", "/usr/share/man/man1/trackpeer.1.gz",
      "/usr/share/man/man5/trackpeerd.conf.5.gz", "/usr/share/doc/trackpeer/copyright");
  private static final Path ENABLE_LINK =
      Path.of("/etc/systemd/system/multi-user.target.wants/trackpeerd.service");

  private static Path debFile() throws IOException {
    Path target = Lab.ROOT.resolve("trackpeer-lab/target");
    if (!Files.isDirectory(target)) {
      return null;
    }
    try (Stream<Path> s = Files.list(target)) {
      return s.filter(p -> p.getFileName().toString().matches("trackpeer_.*_all\\.deb"))
          .findFirst().orElse(null);
    }
  }

  private static Lab.Result apt(String... args) {
    String[] cmd = new String[args.length + 3];
    cmd[0] = "apt-get";
    cmd[1] = "-o";
    cmd[2] = "DPkg::Lock::Timeout=120";
    System.arraycopy(args, 0, cmd, 3, args.length);
    return Lab.exec(Duration.ofSeconds(300), cmd);
  }

  private static boolean installed() {
    Lab.Result r = Lab.exec(Duration.ofSeconds(30), "dpkg-query", "-W", "-f=${Status}",
        "trackpeer");
    return r.exit() == 0 && r.out().contains("installed") && !r.out().contains("not-installed");
  }

  @Test
  void installedPackage_answersQueries_andPurgesCleanly() throws Exception {
    Lab.assumeLab();
    Path deb = debFile();
    assumeTrue(deb != null, "no trackpeer_*.deb built; run mvn package");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/apt-get")), "apt-get missing; skipped");
    assumeTrue(!installed(), "trackpeer is already installed here; not touching it");

    // the package keeps its system user on purge (Debian policy); the test removes the one
    // it made, so that it leaves nothing behind
    boolean userBefore = userExists();
    String lab = Lab.uniqueName("deb");
    Path peers = Files.createTempFile("peers", ".txt");
    Path notifySocket = Path.of("/tmp/trackpeer-notify-" + lab + ".sock");
    Path notified = Files.createTempFile("notify", ".txt");
    Lab.Background agent = null;
    Lab.Background server = null;
    Lab.Background notifyListener = null;
    boolean ran = false;
    try {
      Lab.Result inst = apt("install", "-y", "-q", "--no-install-recommends", deb.toString());
      assertEquals(0, inst.exit(), inst.out() + inst.err());
      for (String f : PACKAGE_FILES) {
        assertTrue(Files.isRegularFile(Path.of(f)), f);
      }
      assertTrue(Files.isExecutable(Path.of("/usr/sbin/trackpeerd")));
      // postinst made the client's class data archive for the installed JVM
      try (Stream<Path> s = Files.list(Path.of("/var/cache/trackpeer"))) {
        assertTrue(s.anyMatch(p -> p.getFileName().toString().matches("client-.+\\.jsa")),
            "no class data archive in /var/cache/trackpeer");
      }
      assertTrue(run("getent", "passwd", "trackpeerd").contains("/var/lib/trackpeerd"));
      assertTrue(run("dpkg-query", "-W", "-f=${Conffiles}", "trackpeer")
          .contains("/etc/trackpeerd.conf"));
      Lab.Result check = Lab.exec(Duration.ofSeconds(60), "/usr/sbin/trackpeerd",
          "--check-config");
      assertEquals(0, check.exit(), check.out() + check.err());
      assertTrue(check.out().contains("/etc/trackpeerd.conf is valid"), check.out());
      if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
        Lab.Result verify = Lab.exec(Duration.ofSeconds(60), "systemd-analyze", "verify",
            "/lib/systemd/system/trackpeerd.service");
        assertEquals("", verify.out() + verify.err());
      }
      // the administrator enables the unit; purge must take the link away again
      if (Files.isExecutable(Path.of("/usr/bin/systemctl"))) {
        run("systemctl", "enable", "trackpeerd.service");
      } else {
        Files.createDirectories(ENABLE_LINK.getParent());
        Files.createSymbolicLink(ENABLE_LINK, Path.of("/lib/systemd/system/trackpeerd.service"));
      }
      assertTrue(Files.isSymbolicLink(ENABLE_LINK), ENABLE_LINK + " not created");

      run(bin("lab/natlab"), "up", lab);
      server = Lab.start(in(lab + "-s", "socat", "TCP-LISTEN:23,reuseaddr,fork",
          "SYSTEM:echo tcp $SOCAT_PEERADDR $SOCAT_PEERPORT >> " + peers));
      notifyListener = Lab.start("socat", "-u", "UNIX-RECV:" + notifySocket, "OPEN:"
          + notified + ",append");
      awaitFile(notifySocket);
      run("chmod", "666", notifySocket.toString());

      // as the unit runs it: the system user, with CAP_NET_RAW and CAP_NET_ADMIN only
      agent = Lab.start(in(lab + "-r", "env", "NOTIFY_SOCKET=" + notifySocket,
          "setpriv", "--reuid=trackpeerd", "--regid=trackpeerd", "--clear-groups",
          "--inh-caps=-all,+net_raw,+net_admin", "--ambient-caps=-all,+net_raw,+net_admin",
          "--bounding-set=-all,+net_raw,+net_admin",
          "/usr/sbin/trackpeerd", "-c", "/etc/trackpeerd.conf", "-i", "lan0",
          "--listen", "127.0.0.1", "--listen", "203.0.113.1", "--allow", "203.0.113.10/32"));
      awaitContent(notified, "READY=1", agent);

      long connectedAt = System.currentTimeMillis() / 1000;
      run(in(lab + "-a", "socat", "-u", "OPEN:/dev/null",
          "TCP:203.0.113.10:23,sourceport=49400,connect-timeout=5"));
      awaitContent(peers, "tcp 203.0.113.1 49400", null);
      // the capture hands frames over in blocks at most 20 ms old
      Thread.sleep(300);

      Lab.Result found = Lab.exec(Duration.ofSeconds(30), in(lab + "-s", "/usr/bin/trackpeer",
          "-s", "203.0.113.1:49400", "-dst", "203.0.113.10:23", "-time",
          Long.toString(connectedAt)));
      assertEquals(0, found.exit(), found.out() + found.err() + agent.output());
      assertEquals(HOST_A_MAC, found.out().lines().findFirst().orElse(""));

      Lab.Result stats = Lab.exec(Duration.ofSeconds(30), in(lab + "-r", "/usr/bin/trackpeer",
          "--stats", "-a", "127.0.0.1"));
      assertEquals(0, stats.exit(), stats.out() + stats.err());
      assertTrue(stats.out().contains("queries_found 1"), stats.out());

      // SIGTERM is a requested, clean stop
      assertEquals(0, agent.stop(), agent.output());
      awaitContent(notified, "STOPPING=1", null);
      ran = true;
    } finally {
      for (Lab.Background b : new Lab.Background[] {agent, server, notifyListener}) {
        if (b != null) {
          b.close();
        }
      }
      Lab.exec(Duration.ofSeconds(60), bin("lab/natlab"), "down", lab);
      Files.deleteIfExists(peers);
      Files.deleteIfExists(notified);
      Files.deleteIfExists(notifySocket);
      if (!ran) {
        apt("purge", "-y", "-q", "trackpeer");
      } else if (installed()) {
        Lab.Result remove = apt("remove", "-y", "-q", "trackpeer");
        assertEquals(0, remove.exit(), remove.out() + remove.err());
      }
    }

    for (String f : PACKAGE_FILES) {
      assertFalse(Files.exists(Path.of(f)), f + " left after remove");
    }
    assertFalse(Files.exists(Path.of("/var/cache/trackpeer")), "client cache left after remove");
    // a removed package keeps its conffile until purged
    assertTrue(Files.isRegularFile(Path.of("/etc/trackpeerd.conf")));
    Lab.Result purge = apt("purge", "-y", "-q", "trackpeer");
    assertEquals(0, purge.exit(), purge.out() + purge.err());
    for (String p : List.of("/etc/trackpeerd.conf", "/usr/share/trackpeer",
        "/usr/share/doc/trackpeer", "/var/lib/trackpeerd",
        "/var/lib/systemd/deb-systemd-helper-enabled/trackpeerd.service.dsh-also",
        "/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/trackpeerd.service",
        "/var/lib/systemd/deb-systemd-helper-masked/trackpeerd.service")) {
      assertFalse(Files.exists(Path.of(p)), p + " left after purge");
    }
    assertFalse(Files.exists(ENABLE_LINK, LinkOption.NOFOLLOW_LINKS),
        ENABLE_LINK + " left after purge");
    assertFalse(Lab.exec(Duration.ofSeconds(30), "dpkg-query", "-W", "trackpeer").out()
        .contains("0."), "package still known to dpkg");
    if (!userBefore) {
      run("deluser", "--system", "--quiet", "trackpeerd");
      assertFalse(userExists(), "trackpeerd user left");
    }
  }

  private static boolean userExists() {
    return Lab.exec(Duration.ofSeconds(30), "getent", "passwd", "trackpeerd").exit() == 0;
  }

  private static void awaitFile(Path p) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!Files.exists(p)) {
      assertTrue(System.nanoTime() < deadline, p + " never appeared");
      Thread.sleep(50);
    }
  }

  private static void awaitContent(Path file, String text, Lab.Background proc)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.readString(file).contains(text)) {
      assertTrue(System.nanoTime() < deadline, "no '" + text + "' in " + file + ": "
          + Files.readString(file) + (proc == null ? "" : "\n" + proc.output()));
      if (proc != null && !proc.process.isAlive()) {
        throw new AssertionError("agent exited:\n" + proc.output());
      }
      Thread.sleep(100);
    }
  }
}
