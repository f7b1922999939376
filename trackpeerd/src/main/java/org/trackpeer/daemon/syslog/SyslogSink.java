package org.trackpeer.daemon.syslog;

import com.sun.jna.LastErrorException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends lines to the local syslog daemon as RFC 3164 datagrams over an AF_UNIX socket.
 *
 * <p>The datagram is what glibc's {@code syslog(3)} writes to {@code /dev/log}:
 * {@code <PRI>Mmm dd hh:mm:ss ident[pid]: message}, local time, no host name, no newline. The
 * daemon uses its own sender instead of {@code syslog(3)} because {@code syslog(3)} reports
 * nothing when the socket is missing (the line is lost, or goes to the console) and always
 * targets {@code /dev/log}; here a missing socket is seen, counted and bridged, and the socket
 * path is configurable (tests use a private one).
 *
 * <p>Threading: {@link #send} only formats and offers to a bounded queue, so a caller (capture,
 * queries, the neighbour poller) never waits on syslog. One daemon thread drains the queue. When
 * the socket cannot be reached (ENOENT, ECONNREFUSED, ...) the line goes to the fallback stream
 * (stderr) and is counted; a reconnect is tried at most once per retry interval. A full queue
 * drops the line and counts it.
 */
public final class SyslogSink implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(SyslogSink.class);

  /** Default socket of the system's syslog daemon. */
  public static final Path DEFAULT_SOCKET = Path.of("/dev/log");

  /** Default pause between two attempts to reach a missing socket. */
  public static final Duration DEFAULT_RETRY = Duration.ofSeconds(3);

  static final int QUEUE_CAPACITY = 4096;
  private static final int SEND_TIMEOUT_MILLIS = 1000;
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ENGLISH);

  /** Syslog facilities with their standard names and codes. */
  public enum Facility {
    KERN(0), USER(1), MAIL(2), DAEMON(3), AUTH(4), SYSLOG(5), LPR(6), NEWS(7), UUCP(8), CRON(9),
    AUTHPRIV(10), FTP(11), LOCAL0(16), LOCAL1(17), LOCAL2(18), LOCAL3(19), LOCAL4(20),
    LOCAL5(21), LOCAL6(22), LOCAL7(23);

    private final int code;

    Facility(int code) {
      this.code = code;
    }

    /** Returns the numeric facility code (LOCAL4 is 20). */
    public int code() {
      return code;
    }

    /** Parses a standard name such as {@code local4} or {@code daemon}, any case. */
    public static Facility parse(String name) {
      return valueOf(name.strip().toUpperCase(Locale.ROOT));
    }
  }

  /** Syslog severities, from emerg (0) to debug (7). */
  public enum Level {
    EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG;

    /** Returns the numeric severity (INFO is 6). */
    public int code() {
      return ordinal();
    }

    /** Parses a standard name such as {@code info} or {@code warning}, any case. */
    public static Level parse(String name) {
      return valueOf(name.strip().toUpperCase(Locale.ROOT));
    }
  }

  private record Item(byte[] datagram, String text) {}

  private final String socketPath;
  private final String ident;
  private final long pid;
  private final Clock clock;
  private final PrintStream fallback;
  private final long retryNanos;
  private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong fallbackLines = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong offered = new AtomicLong();
  private final Object progress = new Object();
  private final Thread drainer;
  private long processed;
  private volatile boolean closed;
  private volatile boolean connected;
  // Touched by the drainer thread only.
  private int fd = -1;
  private long lastAttemptNanos;
  private boolean attempted;
  private boolean warnedDown;

  private SyslogSink(
      Path socket, String ident, long pid, Clock clock, PrintStream fallback, Duration retry) {
    this.socketPath = socket.toString();
    this.ident = ascii(ident);
    this.pid = pid;
    this.clock = clock;
    this.fallback = fallback;
    this.retryNanos = retry.toNanos();
    UnixDatagram.sockaddr(socketPath);
    this.drainer = new Thread(this::drain, "syslog-sink");
    drainer.setDaemon(true);
    drainer.start();
  }

  /** Opens a sink to {@code socket} (normally {@code /dev/log}); never fails on a missing one. */
  public static SyslogSink open(Path socket, String ident) {
    return open(socket, ident, Clock.systemDefaultZone(), System.err, DEFAULT_RETRY);
  }

  /** Opens a sink with an explicit clock (for the timestamp), fallback stream and retry pause. */
  public static SyslogSink open(
      Path socket, String ident, Clock clock, PrintStream fallback, Duration retry) {
    return new SyslogSink(socket, ident, ProcessHandle.current().pid(), clock, fallback, retry);
  }

  /** Queues one line; returns at once. Non-ASCII and control characters become '?'. */
  public void send(Facility facility, Level level, String line) {
    String text = format(facility, level, ZonedDateTime.now(clock), line);
    Item item = new Item(text.getBytes(StandardCharsets.US_ASCII), text);
    if (closed) {
      writeFallback(item);
      return;
    }
    offered.incrementAndGet();
    if (!queue.offer(item)) {
      dropped.incrementAndGet();
      markProcessed();
    }
  }

  /** Returns the datagram text for one line, as glibc's syslog(3) would build it. */
  String format(Facility facility, Level level, ZonedDateTime when, String line) {
    int pri = facility.code() * 8 + level.code();
    return "<" + pri + ">" + STAMP.format(when) + " " + ident + "[" + pid + "]: " + ascii(line);
  }

  /** Returns the number of lines the syslog socket accepted. */
  public long sent() {
    return sent.get();
  }

  /** Returns the number of lines written to the fallback stream because syslog was away. */
  public long fallbackLines() {
    return fallbackLines.get();
  }

  /** Returns the number of lines lost because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Returns true while the last attempt to reach the socket succeeded. */
  public boolean connected() {
    return connected;
  }

  /** Waits until every line queued so far has been sent or written; false on timeout. */
  public boolean flush(Duration timeout) {
    long target = offered.get();
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (processed < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(progress, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  /** Sends what is queued (waiting at most two seconds), then closes the socket. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    flush(Duration.ofSeconds(2));
    closed = true;
    drainer.interrupt();
    try {
      drainer.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Item left;
    while ((left = queue.poll()) != null) {
      writeFallback(left);
    }
  }

  private void drain() {
    try {
      while (!closed) {
        Item item = queue.take();
        deliver(item);
        markProcessed();
      }
    } catch (InterruptedException e) {
      // Closing.
    } finally {
      disconnect();
    }
  }

  private void markProcessed() {
    synchronized (progress) {
      processed++;
      progress.notifyAll();
    }
  }

  private void deliver(Item item) {
    if (fd < 0 && (!attempted || System.nanoTime() - lastAttemptNanos >= retryNanos)) {
      tryConnect();
    }
    if (fd >= 0) {
      try {
        UnixDatagram.send(fd, item.datagram());
        sent.incrementAndGet();
        return;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != UnixDatagram.EAGAIN) {
          // The daemon went away or was restarted with a new socket: reconnect once right now.
          disconnect();
          if (tryConnect()) {
            try {
              UnixDatagram.send(fd, item.datagram());
              sent.incrementAndGet();
              return;
            } catch (LastErrorException again) {
              disconnect();
            }
          }
        }
      }
    }
    writeFallback(item);
  }

  private boolean tryConnect() {
    attempted = true;
    lastAttemptNanos = System.nanoTime();
    int s = -1;
    try {
      s = UnixDatagram.open();
      UnixDatagram.connect(s, socketPath);
      UnixDatagram.setTimeout(s, UnixDatagram.SO_SNDTIMEO, SEND_TIMEOUT_MILLIS);
      fd = s;
      connected = true;
      if (warnedDown) {
        logger.info("syslog socket {} reachable again", socketPath);
        warnedDown = false;
      }
      return true;
    } catch (LastErrorException e) {
      UnixDatagram.close(s);
      connected = false;
      if (!warnedDown) {
        logger.warn("syslog socket {} unreachable (errno {}), lines go to stderr",
            socketPath, e.getErrorCode());
        warnedDown = true;
      }
      return false;
    }
  }

  private void disconnect() {
    UnixDatagram.close(fd);
    fd = -1;
    connected = false;
  }

  private void writeFallback(Item item) {
    fallback.println(item.text());
    fallback.flush();
    fallbackLines.incrementAndGet();
  }

  /** Maps every character outside printable ASCII to '?'. */
  static String ascii(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        if (b == null) {
          b = new StringBuilder(s);
        }
        b.setCharAt(i, '?');
      }
    }
    return b == null ? s : b.toString();
  }
}
