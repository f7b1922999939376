package org.trackpeer.daemon.nat;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;

/**
 * Learns the router's NAT translations from its connection tracking, over netlink.
 *
 * <p>One thread subscribes to conntrack NEW and DESTROY events and records every connection
 * into a {@link TranslationLog}: the original tuple gives the inside endpoint, the reply tuple
 * the public endpoint (its destination) and the server (its source). Before reading events, and
 * again whenever the kernel reports that events were dropped ({@code ENOBUFS}), it reads the
 * whole table through a second socket, so live connections are learned again; the window in
 * which events may have been lost is marked in the log. A periodic full read keeps long-lived
 * connections from expiring and closes those whose end was missed.
 *
 * <p>Events are stamped when read; table reads and DESTROY events carry the kernel's own start
 * and stop times when the router keeps them ({@code net.netfilter.nf_conntrack_timestamp=1}).
 *
 * <p>The sockets are opened in the calling process's network namespace, or in the one named by
 * a {@code /var/run/netns/NAME} file: the thread enters it ({@code setns}) before opening them.
 * Needs CAP_NET_ADMIN.
 */
public final class ConntrackWatcher implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ConntrackWatcher.class);

  private static final int BUFFER_BYTES = 1 << 16;
  private static final long DUMP_TIMEOUT_NANOS = 30_000_000_000L;
  private static final int POLL_MILLIS = 200;

  /**
   * How the watcher runs.
   *
   * @param receiveBufferBytes event socket receive buffer (forced past rmem_max when allowed)
   * @param refreshNanos time between full re-reads of the table (0: never)
   * @param wallClock wall-clock nanoseconds since the Epoch, stamped on what is learned
   */
  public record Settings(int receiveBufferBytes, long refreshNanos, LongSupplier wallClock) {
    /** Returns 4 MiB of buffer, a re-read every 300 s and the system wall clock. */
    public static Settings defaults() {
      return new Settings(4 << 20, 300_000_000_000L, ConntrackWatcher::systemWallNanos);
    }

    /** Returns these settings with another receive buffer size. */
    public Settings withReceiveBufferBytes(int bytes) {
      return new Settings(bytes, refreshNanos, wallClock);
    }

    /** Returns these settings with another refresh period. */
    public Settings withRefreshNanos(long nanos) {
      return new Settings(receiveBufferBytes, nanos, wallClock);
    }
  }

  /** Counters of the watcher. */
  public record Stats(
      long events, long malformed, long lossEvents, long dumps, int receiveBufferBytes) {}

  private final Path netns;
  private final TranslationLog log;
  private final Settings settings;
  private final Netlink c = Netlink.get();
  private final ConntrackParser parser = new ConntrackParser();
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final Thread thread;
  private final Memory buffer = new Memory(BUFFER_BYTES);
  private final byte[] bytes = new byte[BUFFER_BYTES];
  private volatile boolean closing;
  private volatile boolean held;
  private volatile boolean holding;
  private volatile long lossEvents;
  private volatile long dumps;
  private volatile long events;
  private volatile long malformed;
  private volatile int receiveBufferBytes;
  private int eventFd = -1;
  private int dumpFd = -1;
  private int sequence;
  /** The last wall-clock time the event queue was known to be empty. */
  private long lastEmptyWallNanos;

  private ConntrackWatcher(Path netns, TranslationLog log, Settings settings) {
    this.netns = netns;
    this.log = log;
    this.settings = settings;
    this.thread = new Thread(this::run, "conntrack-watcher");
    this.thread.setDaemon(true);
  }

  /** Opens a watcher with the default settings; see the three-argument {@code open}. */
  public static ConntrackWatcher open(Path netnsOrNull, TranslationLog log) throws IOException {
    return open(netnsOrNull, log, Settings.defaults());
  }

  /**
   * Subscribes to conntrack events in the current network namespace, or in {@code netnsOrNull}
   * (e.g. {@code /var/run/netns/router}), reads the current table into {@code log}, and returns
   * once that first read is done; events are then recorded by a background thread.
   *
   * @throws IOException if the namespace cannot be entered or the sockets cannot be opened
   *     (EPERM: CAP_NET_ADMIN is missing)
   */
  public static ConntrackWatcher open(Path netnsOrNull, TranslationLog log, Settings settings)
      throws IOException {
    ConntrackWatcher w = new ConntrackWatcher(netnsOrNull, log, settings);
    w.thread.start();
    try {
      w.started.get(DUMP_TIMEOUT_NANOS + 5_000_000_000L, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      w.close();
      Throwable cause = e.getCause();
      if (cause instanceof IOException) {
        throw (IOException) cause;
      }
      throw new IOException("conntrack watcher failed to start: " + cause, cause);
    } catch (TimeoutException e) {
      w.close();
      throw new IOException("conntrack watcher did not start in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      w.close();
      throw new IOException("interrupted while starting the conntrack watcher");
    }
    return w;
  }

  /** Returns the counters. */
  public Stats stats() {
    return new Stats(events, malformed, lossEvents, dumps, receiveBufferBytes);
  }

  /**
   * Stops (true) or resumes (false) reading events; returns once the thread has stopped
   * reading, so that a test can let the kernel fill the receive buffer and drop events, as it
   * does for a reader that falls behind.
   */
  void holdReading(boolean hold) throws InterruptedException {
    held = hold;
    for (int i = 0; i < 500 && hold && !holding && thread.isAlive(); i++) {
      Thread.sleep(10);
    }
  }

  /** Stops the thread and closes the sockets. */
  @Override
  public void close() {
    closing = true;
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      try {
        setUp();
      } catch (IOException e) {
        started.completeExceptionally(e);
        return;
      } catch (RuntimeException e) {
        started.completeExceptionally(new IOException("conntrack watcher: " + e, e));
        return;
      }
      started.complete(null);
      loop();
    } finally {
      closeFd(eventFd);
      closeFd(dumpFd);
    }
  }

  private void setUp() throws IOException {
    if (netns != null) {
      enterNamespace(netns);
    }
    eventFd = openSocket(Netlink.NF_NETLINK_CONNTRACK_NEW | Netlink.NF_NETLINK_CONNTRACK_DESTROY);
    receiveBufferBytes = setReceiveBuffer(eventFd, settings.receiveBufferBytes());
    setReceiveTimeout(eventFd, POLL_MILLIS);
    dumpFd = openSocket(0);
    setReceiveTimeout(dumpFd, 1_000);
    long subscribed = wall();
    dump(false);
    lastEmptyWallNanos = subscribed;
    logger.info("conntrack watcher started{}, {} connections, receive buffer {} bytes",
        netns == null ? "" : " in " + netns, log.stats().entries(), receiveBufferBytes);
  }

  private void loop() {
    long nextRefresh = System.nanoTime() + refreshNanos();
    int failures = 0;
    while (!closing) {
      if (settings.refreshNanos() > 0 && System.nanoTime() - nextRefresh >= 0) {
        nextRefresh = System.nanoTime() + refreshNanos();
        safeDump(false);
      }
      if (held) {
        holding = true;
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
        continue;
      }
      holding = false;
      long n;
      try {
        n = c.recv(eventFd, buffer, new NativeLong(BUFFER_BYTES), 0).longValue();
      } catch (LastErrorException e) {
        int errno = e.getErrorCode();
        if (errno == Netlink.EAGAIN || errno == Netlink.EINTR) {
          lastEmptyWallNanos = wall();
          continue;
        }
        if (errno == Netlink.ENOBUFS) {
          lost();
          continue;
        }
        failures++;
        logger.warn("conntrack event socket: recv failed, errno {}", errno);
        if (failures > 100) {
          logger.error("conntrack watcher stops after repeated receive failures");
          return;
        }
        continue;
      }
      failures = 0;
      handleEvents(n);
    }
  }

  private void handleEvents(long n) {
    if (n <= 0) {
      return;
    }
    int len = (int) Math.min(n, BUFFER_BYTES);
    buffer.read(0, bytes, 0, len);
    long now = wall();
    parser.parse(bytes, len, new ConntrackParser.Handler() {
      @Override
      public void event(ConntrackParser.Event e) {
        apply(e, now);
      }
    });
    events = parser.events();
    malformed = parser.malformed();
  }

  /**
   * Reads what the event queue holds without waiting, until it is empty. The kernel reports a
   * full queue once and then drops events silently until the queue has been emptied, so the
   * queue must be drained before the table is read again.
   */
  private void drain() {
    for (int i = 0; i < 1_000_000 && !closing; i++) {
      long n;
      try {
        n = c.recv(eventFd, buffer, new NativeLong(BUFFER_BYTES), Netlink.MSG_DONTWAIT)
            .longValue();
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Netlink.EINTR || e.getErrorCode() == Netlink.ENOBUFS) {
          continue;
        }
        return;
      }
      handleEvents(n);
    }
  }

  /** Events were dropped by the kernel: mark the window and read the table again. */
  private void lost() {
    lossEvents++;
    long from = lastEmptyWallNanos;
    logger.warn("conntrack events were lost (receive buffer full); reading the table again");
    drain();
    safeDump(true);
    long to = wall();
    log.markLoss(from, to);
    lastEmptyWallNanos = to;
  }

  private void safeDump(boolean afterLoss) {
    try {
      dump(afterLoss);
    } catch (IOException e) {
      logger.warn("conntrack table read failed: {}", e.getMessage());
    }
  }

  private void apply(ConntrackParser.Event e, long wallNanos) {
    Translation t = toTranslation(e, wallNanos);
    if (t == null) {
      return;
    }
    if (e.kind() == ConntrackParser.Kind.DESTROY) {
      log.end(t, e.stopNanos() > 0 ? e.stopNanos() : wallNanos);
    } else {
      log.record(t);
    }
  }

  /**
   * Turns a conntrack message into the translation it shows, seen at the connection's start
   * time when the router keeps timestamps, else at {@code wallNanos}.
   */
  static Translation toTranslation(ConntrackParser.Event e, long wallNanos) {
    ConntrackParser.Tuple o = e.orig();
    ConntrackParser.Tuple r = e.reply();
    if (o.srcPort() > Endpoint.PORT_MAX || r.dstPort() > Endpoint.PORT_MAX) {
      return null;
    }
    return new Translation(
        o.protocol(),
        new Endpoint(o.src(), o.srcPort()),
        new Endpoint(r.dst(), r.dstPort()),
        new Endpoint(r.src(), r.srcPort()),
        e.startNanos() > 0 ? e.startNanos() : wallNanos,
        Evidence.TRANSLATION);
  }

  /** Reads the whole conntrack table into the log. */
  private void dump(boolean afterLoss) throws IOException {
    long mark = log.beginDump(afterLoss);
    int seq = ++sequence;
    byte[] req = dumpRequest(seq);
    try {
      c.send(dumpFd, req, new NativeLong(req.length), 0);
    } catch (LastErrorException e) {
      throw new IOException("conntrack table read: send failed, errno " + e.getErrorCode());
    }
    long deadline = System.nanoTime() + DUMP_TIMEOUT_NANOS;
    int[] outcome = {Integer.MIN_VALUE};
    ConntrackParser dumpParser = new ConntrackParser();
    while (outcome[0] == Integer.MIN_VALUE) {
      if (System.nanoTime() - deadline > 0 || closing) {
        throw new IOException("conntrack table read did not finish");
      }
      long n;
      try {
        n = c.recv(dumpFd, buffer, new NativeLong(BUFFER_BYTES), 0).longValue();
      } catch (LastErrorException e) {
        int errno = e.getErrorCode();
        if (errno == Netlink.EAGAIN || errno == Netlink.EINTR) {
          continue;
        }
        throw new IOException("conntrack table read: recv failed, errno " + errno);
      }
      if (n <= 0) {
        continue;
      }
      int len = (int) Math.min(n, BUFFER_BYTES);
      buffer.read(0, bytes, 0, len);
      long now = wall();
      dumpParser.parse(bytes, len, new ConntrackParser.Handler() {
        @Override
        public void event(ConntrackParser.Event e) {
          Translation t = toTranslation(e, now);
          if (t != null) {
            log.record(t);
          }
        }

        @Override
        public void done() {
          outcome[0] = 0;
        }

        @Override
        public void error(int errno) {
          if (errno != 0) {
            outcome[0] = errno;
          }
        }
      });
    }
    malformed = parser.malformed() + dumpParser.malformed();
    if (outcome[0] != 0) {
      throw new IOException("conntrack table read refused, errno " + outcome[0]
          + (outcome[0] == Netlink.EPERM ? " (CAP_NET_ADMIN is needed)" : ""));
    }
    dumps++;
    log.endDump(mark, wall());
  }

  /** Builds IPCTNL_MSG_CT_GET with NLM_F_REQUEST|NLM_F_DUMP for every address family. */
  static byte[] dumpRequest(int seq) {
    ByteBuffer b = ByteBuffer.allocate(ConntrackParser.NLMSG_HDRLEN + 4)
        .order(ByteOrder.nativeOrder());
    b.putInt(ConntrackParser.NLMSG_HDRLEN + 4);
    b.putShort((short) ((ConntrackParser.NFNL_SUBSYS_CTNETLINK << 8)
        | ConntrackParser.IPCTNL_MSG_CT_GET));
    b.putShort((short) (0x1 | 0x300)); // NLM_F_REQUEST | NLM_F_DUMP
    b.putInt(seq);
    b.putInt(0);
    b.put((byte) 0); // nfgen_family AF_UNSPEC: all families
    b.put((byte) 0); // NFNETLINK_V0
    b.putShort((short) 0); // res_id
    return b.array();
  }

  private int openSocket(int groups) throws IOException {
    int fd;
    try {
      fd = c.socket(Netlink.AF_NETLINK, Netlink.SOCK_RAW | Netlink.SOCK_CLOEXEC,
          Netlink.NETLINK_NETFILTER);
    } catch (LastErrorException e) {
      throw failure("socket(AF_NETLINK, NETLINK_NETFILTER)", e.getErrorCode());
    }
    ByteBuffer addr = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
    addr.putShort((short) Netlink.AF_NETLINK);
    addr.putShort((short) 0);
    addr.putInt(0); // nl_pid: let the kernel choose
    addr.putInt(groups);
    try {
      c.bind(fd, addr.array(), 12);
    } catch (LastErrorException e) {
      closeFd(fd);
      throw failure("bind to conntrack event groups", e.getErrorCode());
    }
    return fd;
  }

  private int setReceiveBuffer(int fd, int bytesWanted) {
    int[] v = {bytesWanted};
    try {
      c.setsockopt(fd, Netlink.SOL_SOCKET, Netlink.SO_RCVBUFFORCE, v, 4);
    } catch (LastErrorException e) {
      try {
        c.setsockopt(fd, Netlink.SOL_SOCKET, Netlink.SO_RCVBUF, v, 4);
      } catch (LastErrorException e2) {
        logger.warn("cannot set the conntrack receive buffer, errno {}", e2.getErrorCode());
      }
    }
    int[] got = {0};
    int[] len = {4};
    try {
      c.getsockopt(fd, Netlink.SOL_SOCKET, Netlink.SO_RCVBUF, got, len);
    } catch (LastErrorException e) {
      return -1;
    }
    return got[0];
  }

  private void setReceiveTimeout(int fd, int millis) throws IOException {
    long[] tv = {millis / 1000, (millis % 1000) * 1000L};
    try {
      c.setsockopt(fd, Netlink.SOL_SOCKET, Netlink.SO_RCVTIMEO, tv, 16);
    } catch (LastErrorException e) {
      throw failure("setsockopt(SO_RCVTIMEO)", e.getErrorCode());
    }
  }

  private void enterNamespace(Path path) throws IOException {
    int fd;
    try {
      fd = c.open(path.toString(), Netlink.O_RDONLY | Netlink.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw failure("open network namespace " + path, e.getErrorCode());
    }
    try {
      c.setns(fd, Netlink.CLONE_NEWNET);
    } catch (LastErrorException e) {
      throw failure("setns(" + path + ", CLONE_NEWNET)", e.getErrorCode());
    } finally {
      closeFd(fd);
    }
  }

  private static IOException failure(String what, int errno) {
    String hint = errno == Netlink.EPERM || errno == Netlink.EACCES
        ? " (permission denied: conntrack events need CAP_NET_ADMIN)" : "";
    return new IOException(what + " failed, errno " + errno + hint);
  }

  private void closeFd(int fd) {
    if (fd >= 0) {
      try {
        c.close(fd);
      } catch (LastErrorException e) {
        logger.debug("close({}) failed, errno {}", fd, e.getErrorCode());
      }
    }
  }

  private long refreshNanos() {
    return settings.refreshNanos() > 0 ? settings.refreshNanos() : Long.MAX_VALUE / 4;
  }

  private long wall() {
    return settings.wallClock().getAsLong();
  }

  private static long systemWallNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
