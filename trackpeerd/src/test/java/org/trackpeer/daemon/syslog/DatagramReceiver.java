package org.trackpeer.daemon.syslog;

import com.sun.jna.LastErrorException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A bound AF_UNIX datagram socket that tests read syslog datagrams from. */
public final class DatagramReceiver implements AutoCloseable {
  private final int fd;
  private final Path path;

  private DatagramReceiver(int fd, Path path) {
    this.fd = fd;
    this.path = path;
  }

  /** Binds a receiving socket at {@code path}; each receive waits at most {@code timeoutMillis}. */
  public static DatagramReceiver bind(Path path, long timeoutMillis) {
    int fd = UnixDatagram.open();
    UnixDatagram.bind(fd, path.toString());
    UnixDatagram.setTimeout(fd, UnixDatagram.SO_RCVTIMEO, timeoutMillis);
    return new DatagramReceiver(fd, path);
  }

  /** Returns the next datagram as text, or null when none came before the timeout. */
  public String receive() {
    byte[] buf = new byte[8192];
    try {
      int n = UnixDatagram.recv(fd, buf);
      return new String(buf, 0, n, StandardCharsets.US_ASCII);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == UnixDatagram.EAGAIN) {
        return null;
      }
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    UnixDatagram.close(fd);
    Files.deleteIfExists(path);
  }
}
