package org.trackpeer.daemon.nat;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The few C library calls the conntrack watcher needs, bound directly with JNA: netlink sockets
 * and entering a network namespace. Each method carries the C prototype it maps; failures
 * throw {@link LastErrorException} carrying errno.
 */
interface Netlink extends Library {
  int AF_NETLINK = 16;
  int SOCK_RAW = 3;
  int SOCK_CLOEXEC = 0x80000;
  int NETLINK_NETFILTER = 12;
  int SOL_SOCKET = 1;
  int SO_RCVBUF = 8;
  int SO_RCVBUFFORCE = 33;
  int SO_RCVTIMEO = 20;
  int MSG_DONTWAIT = 0x40;
  int O_RDONLY = 0;
  int O_CLOEXEC = 0x80000;
  int CLONE_NEWNET = 0x40000000;
  int EPERM = 1;
  int EINTR = 4;
  int EAGAIN = 11;
  int EACCES = 13;
  int ENOBUFS = 105;
  int NF_NETLINK_CONNTRACK_NEW = 1;
  int NF_NETLINK_CONNTRACK_UPDATE = 2;
  int NF_NETLINK_CONNTRACK_DESTROY = 4;

  /** Returns the process-wide binding, loading the C library once. */
  static Netlink get() {
    return Holder.INSTANCE;
  }

  // int socket(int domain, int type, int protocol);
  int socket(int domain, int type, int protocol) throws LastErrorException;

  // int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
  int bind(int fd, byte[] addr, int addrLen) throws LastErrorException;

  // ssize_t recv(int sockfd, void *buf, size_t len, int flags);
  NativeLong recv(int fd, Pointer buf, NativeLong len, int flags) throws LastErrorException;

  // ssize_t send(int sockfd, const void *buf, size_t len, int flags);
  NativeLong send(int fd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

  // int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);
  int setsockopt(int fd, int level, int optName, int[] optVal, int optLen)
      throws LastErrorException;

  // int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);
  // (with a struct timeval: two longs, seconds and microseconds)
  int setsockopt(int fd, int level, int optName, long[] optVal, int optLen)
      throws LastErrorException;

  // int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen);
  int getsockopt(int fd, int level, int optName, int[] optVal, int[] optLen)
      throws LastErrorException;

  // int open(const char *pathname, int flags);
  int open(String path, int flags) throws LastErrorException;

  // int setns(int fd, int nstype);
  int setns(int fd, int nsType) throws LastErrorException;

  // int close(int fd);
  int close(int fd) throws LastErrorException;

  /** Lazily loads the library. */
  final class Holder {
    static final Netlink INSTANCE = Native.load("c", Netlink.class);

    private Holder() {}
  }
}
