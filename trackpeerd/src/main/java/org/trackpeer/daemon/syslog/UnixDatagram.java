package org.trackpeer.daemon.syslog;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * AF_UNIX datagram sockets through the C library, which the JDK does not offer.
 *
 * <p>Only what a syslog sender (and a test receiver) needs: open, connect or bind to a path,
 * send, receive with a timeout, close. Constants are the Linux values for x86 and ARM.
 */
final class UnixDatagram {
  static final int AF_UNIX = 1;
  static final int SOCK_DGRAM = 2;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int MSG_NOSIGNAL = 0x4000;
  static final int SOL_SOCKET = 1;
  static final int SO_RCVTIMEO = 20;
  static final int SO_SNDTIMEO = 21;
  static final int ENOENT = 2;
  static final int EAGAIN = 11;
  static final int ECONNREFUSED = 111;
  static final int ENOTCONN = 107;

  /** Longest path that fits in sun_path with its terminating NUL. */
  static final int MAX_PATH_BYTES = 107;

  /** The C functions used, each with its prototype. */
  interface LibC extends Library {
    // int socket(int domain, int type, int protocol);
    int socket(int domain, int type, int protocol) throws LastErrorException;

    // int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
    int connect(int fd, byte[] addr, int addrLen) throws LastErrorException;

    // int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
    int bind(int fd, byte[] addr, int addrLen) throws LastErrorException;

    // ssize_t send(int sockfd, const void *buf, size_t len, int flags);
    NativeLong send(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

    // ssize_t recv(int sockfd, void *buf, size_t len, int flags);
    NativeLong recv(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

    // int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);
    int setsockopt(int fd, int level, int optName, byte[] optVal, int optLen)
        throws LastErrorException;

    // int close(int fd);
    int close(int fd);
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  private UnixDatagram() {}

  static LibC libc() {
    return Holder.LIBC;
  }

  /** Opens an unbound AF_UNIX datagram socket; throws LastErrorException on failure. */
  static int open() {
    return libc().socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  }

  /** Builds a {@code struct sockaddr_un} for {@code path}: family (host order) then the path. */
  static byte[] sockaddr(String path) {
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    if (p.length == 0 || p.length > MAX_PATH_BYTES) {
      throw new IllegalArgumentException("socket path too long or empty: " + path);
    }
    ByteBuffer b = ByteBuffer.allocate(2 + p.length + 1).order(ByteOrder.nativeOrder());
    b.putShort((short) AF_UNIX);
    b.put(p);
    b.put((byte) 0);
    return b.array();
  }

  static void connect(int fd, String path) {
    byte[] a = sockaddr(path);
    libc().connect(fd, a, a.length);
  }

  static void bind(int fd, String path) {
    byte[] a = sockaddr(path);
    libc().bind(fd, a, a.length);
  }

  /** Sets a send or receive timeout ({@code struct timeval}), on 64-bit Linux only. */
  static void setTimeout(int fd, int option, long millis) {
    if (Native.LONG_SIZE != 8) {
      return;
    }
    ByteBuffer tv = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
    tv.putLong(millis / 1000);
    tv.putLong((millis % 1000) * 1000);
    libc().setsockopt(fd, SOL_SOCKET, option, tv.array(), 16);
  }

  static void send(int fd, byte[] datagram) {
    libc().send(fd, datagram, new NativeLong(datagram.length), MSG_NOSIGNAL);
  }

  /** Receives one datagram into {@code buf}, returning its length. */
  static int recv(int fd, byte[] buf) {
    return libc().recv(fd, buf, new NativeLong(buf.length), 0).intValue();
  }

  static void close(int fd) {
    if (fd >= 0) {
      libc().close(fd);
    }
  }
}
