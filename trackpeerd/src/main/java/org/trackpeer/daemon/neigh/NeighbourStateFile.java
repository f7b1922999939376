package org.trackpeer.daemon.neigh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.trackpeer.net.MacAddress;

/**
 * The known hosts, kept across restarts so that a restart announces nothing again.
 *
 * <p>Text, ASCII: a first line {@code trackpeerd-neighbours 1}, then one line per host:
 * {@code IFACE MAC FLAGS IP[,IP...]} with FLAGS the decimal {@link NeighbourEntry} bits and
 * {@code -} for an empty IP list. Written atomically: a temporary file in the same directory,
 * fsync, rename over the old file, fsync of the directory. Unreadable lines are ignored.
 */
final class NeighbourStateFile {
  static final String HEADER = "trackpeerd-neighbours 1";

  private NeighbourStateFile() {}

  /** Writes the hosts to {@code file} atomically, creating its directory if needed. */
  static void write(Path file, Collection<NeighbourTracker.Host> hosts) throws IOException {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    for (NeighbourTracker.Host h : hosts) {
      b.append(h.key.iface()).append(' ').append(MacAddress.format(h.key.mac())).append(' ')
          .append(h.flags).append(' ')
          .append(h.ips.isEmpty() ? "-" : String.join(",", h.ips)).append('\n');
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.US_ASCII));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot sync a directory; the rename is done either way.
    }
  }

  /** Reads the hosts saved in {@code file}; an absent file gives an empty list. */
  static List<NeighbourTracker.Host> read(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    List<NeighbourTracker.Host> out = new ArrayList<>();
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      return out;
    }
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(" ");
      if (f.length != 4) {
        continue;
      }
      try {
        long mac = MacAddress.parse(f[1]).toLong();
        NeighbourTracker.Host h =
            new NeighbourTracker.Host(new NeighbourTracker.HostKey(f[0], mac));
        h.flags = Integer.parseInt(f[2]);
        if (!f[3].equals("-")) {
          for (String ip : f[3].split(",")) {
            String ok = ip.indexOf(':') >= 0
                ? NeighbourParser.ipv6(ip) : NeighbourParser.ipv4(ip);
            if (ok != null) {
              h.ips.add(ok);
            }
          }
        }
        out.add(h);
      } catch (IllegalArgumentException e) {
        // Skip the damaged line, keep the rest.
      }
    }
    return out;
  }
}
