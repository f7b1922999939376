package org.trackpeer.daemon.capture;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one capture source (an interface or a file) on its own thread, decodes each frame and
 * hands the decoded facts to a {@link FrameConsumer}.
 *
 * <p>A live interface that fails (deleted, renamed, not yet created) is reopened every second
 * until it is back; the time without capture is reported to the consumer as a gap, so answers
 * for it can say they are incomplete. Kernel drops are polled once a second and reported the
 * same way.
 *
 * <p>libpcap does not always notice an interface deleted and re-created under the same name: its
 * socket stays bound to the old interface index and sees nothing. So the interface index is
 * checked once a second as well; when it changed or vanished the handle is reopened, and the
 * gap starts at the last check that still found the old index.
 */
public final class CaptureLoop implements Runnable {
  private static final Logger logger = LoggerFactory.getLogger(CaptureLoop.class);
  private static final long STATS_INTERVAL_NANOS = 1_000_000_000L;
  private static final long CLOCK_STEP_NANOS = 1_000_000L;
  private static final long REOPEN_INTERVAL_MILLIS = 1000;

  /** Receives decoded frames and capture events; called only from the loop's thread. */
  public interface FrameConsumer {
    /**
     * A frame was decoded with outcome {@link DecodeOutcome#FLOW}; {@code bytes} holds it from
     * offset 0 until the next frame is read.
     */
    void accept(DecodedFrame frame, byte[] bytes, int interfaceIndex);

    /** A frame of a capture file was read; its timestamp drives the replay clock. */
    void replayed(long timestampNanos);

    /** Capture saw nothing (or lost frames) between these wall-clock times. */
    void gap(long fromWallNanos, long toWallNanos);
  }

  /**
   * How to capture: {@code nice} below 0 is the nice value a live loop's thread asks for before
   * it opens the interface; {@code packetRing} reads a live Ethernet interface without a
   * filter from the kernel's packet ring directly ({@link PacketRing}) instead of through
   * libpcap.
   */
  public record Settings(
      int snaplen, int bufferBytes, int timeoutMillis, String filter, int nice,
      boolean packetRing) {}

  private final String interfaceName;
  private final Path file;
  private final int interfaceIndex;
  private final Settings settings;
  private final FrameConsumer consumer;
  private final DecodedFrame frame = new DecodedFrame();
  private final AtomicLong framesSeen = new AtomicLong();
  private final AtomicLong kernelDrops = new AtomicLong();
  private final AtomicLong reopens = new AtomicLong();
  private volatile DecodeCounters published = new DecodeCounters();
  private volatile boolean running = true;
  private volatile boolean capturing;
  private volatile boolean finished;
  private volatile PcapHandle handle;
  private final Object retryLock = new Object();
  private String lastError = "";
  private Opener opener = CaptureLoop::openLive;

  /** Opens a live handle; tests give a fake one. */
  interface Opener {
    PcapHandle open(String iface, Settings s) throws CaptureException;
  }

  private CaptureLoop(
      String interfaceName, Path file, int interfaceIndex, Settings s, FrameConsumer consumer) {
    this.interfaceName = interfaceName;
    this.file = file;
    this.interfaceIndex = interfaceIndex;
    this.settings = s;
    this.consumer = consumer;
  }

  /**
   * Opens {@code iface} with the packet ring when the settings ask for it and it applies (an
   * Ethernet interface, no filter), else with libpcap.
   */
  static PcapHandle openLive(String iface, Settings s) throws CaptureException {
    CaptureException ringFailed = null;
    if (s.packetRing() && (s.filter() == null || s.filter().isBlank())) {
      try {
        PcapHandle ring =
            PacketRing.open(iface, s.snaplen(), s.bufferBytes(), s.timeoutMillis());
        if (ring != null) {
          return ring;
        }
      } catch (CaptureException e) {
        // libpcap may still manage (it shrinks a ring the kernel cannot allocate)
        ringFailed = e;
      }
    }
    PcapHandle h = PcapHandle.openLive(iface, s.snaplen(), s.bufferBytes(), s.timeoutMillis());
    if (ringFailed != null) {
      logger.warn("{}; reading {} through libpcap", ringFailed.getMessage(), iface);
    }
    return h;
  }

  /** Returns a loop capturing live on {@code iface}. */
  public static CaptureLoop live(String iface, int ifIndex, Settings s, FrameConsumer consumer) {
    return new CaptureLoop(iface, null, ifIndex, s, consumer);
  }

  /** Returns a loop capturing live on {@code iface} through handles that {@code opener} opens. */
  static CaptureLoop live(
      String iface, int ifIndex, Settings s, FrameConsumer consumer, Opener opener) {
    CaptureLoop loop = live(iface, ifIndex, s, consumer);
    loop.opener = opener;
    return loop;
  }

  /** Returns a loop reading {@code file} once, to its end. */
  public static CaptureLoop file(Path file, int ifIndex, Settings s, FrameConsumer consumer) {
    return new CaptureLoop(file.getFileName().toString(), file, ifIndex, s, consumer);
  }

  /** Compiles a BPF filter now, so a bad one is reported before the daemon starts. */
  public static void checkFilter(String expression) throws CaptureException {
    PcapHandle.checkFilter(expression);
  }

  /** Opens a file handle now, so a bad file is reported before the daemon starts. */
  public static void checkFile(Path file) throws CaptureException {
    PcapHandle.openFile(file).close();
  }

  /** Returns the interface name (or file name) this loop reads. */
  public String name() {
    return interfaceName;
  }

  /** Returns true while a handle is open and being read. */
  public boolean capturing() {
    return capturing;
  }

  /** Returns true once a capture file has been read to its end. */
  public boolean finished() {
    return finished;
  }

  /** Frames read from the source. */
  public long framesSeen() {
    return framesSeen.get();
  }

  /** Frames the kernel dropped for lack of ring space, summed over every handle opened. */
  public long kernelDrops() {
    return kernelDrops.get();
  }

  /** Times the live handle was reopened after a failure. */
  public long reopens() {
    return reopens.get();
  }

  /** Returns a copy of the decode counters, at most a second old. */
  public DecodeCounters counters() {
    return published;
  }

  /** Asks the loop to stop; it returns within the read timeout (a quarter second for a ring). */
  public void stop() {
    running = false;
    PcapHandle h = handle;
    if (h != null) {
      h.breakLoop();
    }
    synchronized (retryLock) {
      retryLock.notifyAll();
    }
  }

  @Override
  public void run() {
    if (file != null) {
      runFile();
    } else {
      runLive();
    }
  }

  private void runFile() {
    try (PcapHandle h = PcapHandle.openFile(file)) {
      handle = h;
      capturing = true;
      logger.info("reading {} (link type {})", file, h.linkType());
      FrameDecoder decoder = new FrameDecoder(h.linkType());
      if (!decoder.isSupported()) {
        logger.warn("{}: link type {} is not decoded; its frames are counted and skipped",
            file, h.linkType());
      }
      readUntilEnd(h, decoder, new DecodeCounters(), 0);
      if (!lastError.isEmpty()) {
        logger.warn("read {}: stopped after {} frames: {}", file, framesSeen.get(), lastError);
      } else {
        logger.info("read {}: {} frames", file, framesSeen.get());
      }
    } catch (CaptureException e) {
      logger.error("{}", e.getMessage());
    } finally {
      handle = null;
      capturing = false;
      finished = true;
    }
  }

  private void runLive() {
    if (settings.nice() < 0) {
      String failed = ThreadNice.set(settings.nice());
      if (failed == null) {
        logger.info("capture on {} runs at nice {}", interfaceName, settings.nice());
      } else {
        logger.warn("capture on {}: nice {} not set ({}); capturing at the default priority",
            interfaceName, settings.nice(), failed);
      }
    }
    boolean warned = false;
    long downSinceWall = -1;
    while (running) {
      PcapHandle h;
      int openedIndex;
      try {
        int before = LinkIndex.of(interfaceName);
        h = opener.open(interfaceName, settings);
        openedIndex = LinkIndex.of(interfaceName);
        // "any" (every interface, cooked headers) has no index of its own
        if (openedIndex == 0 && !interfaceName.equals("any") || openedIndex != before) {
          h.close();
          throw new CaptureException(
              "open capture on " + interfaceName + ": the interface changed while opening");
        }
        if (settings.filter() != null && !settings.filter().isBlank()) {
          h.setFilter(settings.filter());
        }
      } catch (CaptureException e) {
        if (!warned) {
          logger.warn("{}; retrying every second", e.getMessage());
          warned = true;
        }
        if (downSinceWall < 0) {
          downSinceWall = wallNanos();
        }
        awaitRetry();
        continue;
      }
      if (downSinceWall >= 0) {
        consumer.gap(downSinceWall, wallNanos());
        reopens.incrementAndGet();
        logger.info("capture on {} resumed (interface index {})", interfaceName, openedIndex);
      } else {
        logger.info("capturing on {} (link type {}, {})", interfaceName, h.linkType(),
            h instanceof PacketRing ? "packet ring" : "libpcap");
      }
      warned = false;
      handle = h;
      capturing = true;
      long goodUntilWall;
      try {
        goodUntilWall =
            readUntilEnd(h, new FrameDecoder(h.linkType()), published.snapshot(), openedIndex);
      } finally {
        capturing = false;
        handle = null;
        h.close();
      }
      if (running) {
        downSinceWall = goodUntilWall;
        logger.warn("capture on {} stopped: {}; reopening", interfaceName, lastError);
      }
    }
  }

  /**
   * Reads frames until the source ends, fails or the loop stops. A live handle's interface index
   * is compared with {@code openedIndex} once a second; a vanished or re-created interface ends
   * the read.
   *
   * @return the wall-clock time up to which the capture is known to have been complete
   */
  private long readUntilEnd(
      PcapHandle h, FrameDecoder decoder, DecodeCounters counters, int openedIndex) {
    byte[] buf = h.buffer();
    long lastStatsNanos = System.nanoTime();
    long lastStatsWall = wallNanos();
    long dropsSeen = 0;
    long clockFrameNanos = Long.MIN_VALUE;
    int framesWithoutClock = 0;
    while (running) {
      int rc = h.next();
      if (rc == PcapHandle.FRAME) {
        framesSeen.incrementAndGet();
        DecodeOutcome outcome =
            decoder.decode(buf, 0, h.capLength(), h.wireLength(), h.timestampNanos(), frame);
        counters.count(outcome);
        if (file != null) {
          consumer.replayed(h.timestampNanos());
        }
        if (outcome == DecodeOutcome.FLOW) {
          consumer.accept(frame, buf, interfaceIndex);
        }
        if (file == null) {
          // A live frame's kernel timestamp tells whether time has moved: the clock below is
          // read once per millisecond of frame time (and at least every 1024 frames) rather
          // than per frame, where it showed in profiles of a flood; frames a millisecond or
          // more apart still read it on every frame.
          long since = h.timestampNanos() - clockFrameNanos;
          if (since >= 0 && since < CLOCK_STEP_NANOS && ++framesWithoutClock < 1024) {
            continue;
          }
          clockFrameNanos = h.timestampNanos();
          framesWithoutClock = 0;
        }
      } else if (rc == PcapHandle.EOF) {
        break;
      } else if (rc == PcapHandle.ERROR) {
        lastError = h.lastError();
        break;
      }
      long now = System.nanoTime();
      if (now - lastStatsNanos >= STATS_INTERVAL_NANOS) {
        if (openedIndex != 0) {
          int index = LinkIndex.of(interfaceName);
          if (index != openedIndex) {
            lastError = index == 0
                ? "the interface is gone"
                : "the interface was re-created (index " + openedIndex + " is now " + index + ")";
            break;
          }
        }
        long wall = wallNanos();
        long drops = h.drops();
        if (drops > dropsSeen) {
          kernelDrops.addAndGet(drops - dropsSeen);
          dropsSeen = drops;
          consumer.gap(lastStatsWall, wall);
        }
        lastStatsNanos = now;
        lastStatsWall = wall;
        published = counters.snapshot();
      }
    }
    published = counters.snapshot();
    return lastStatsWall;
  }

  private static long wallNanos() {
    return System.currentTimeMillis() * 1_000_000L;
  }

  /** Waits for the next reopen attempt; {@link #stop} cuts the wait short. */
  private void awaitRetry() {
    long deadline = System.nanoTime() + REOPEN_INTERVAL_MILLIS * 1_000_000L;
    synchronized (retryLock) {
      long left;
      while (running && (left = deadline - System.nanoTime()) > 0) {
        try {
          retryLock.wait(Math.max(1, left / 1_000_000L));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
