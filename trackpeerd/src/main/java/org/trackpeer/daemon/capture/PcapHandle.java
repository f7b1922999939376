package org.trackpeer.daemon.capture;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One open libpcap handle, live or on a capture file, read by exactly one thread.
 *
 * <p>{@link #next} copies the frame into a buffer the handle owns and returns its captured
 * length; the header fields of that frame are then read with {@link #wireLength()} and
 * {@link #timestampNanos()}. Nothing is allocated per frame.
 */
class PcapHandle implements AutoCloseable {
  /** {@link #next} result: a frame was read. */
  static final int FRAME = 1;
  /** {@link #next} result: no frame before the read timeout. */
  static final int TIMEOUT = 0;
  /** {@link #next} result: end of the capture file. */
  static final int EOF = -2;
  /** {@link #next} result: the handle failed (interface gone); see {@link #lastError()}. */
  static final int ERROR = -1;

  private final Libpcap pcap = Libpcap.get();
  /** Interface name or file the handle reads. */
  final String source;
  private final Memory stats = new Memory(16);
  private final boolean offline;
  /** The frame last read, from offset 0; its lengths and timestamp follow. */
  final byte[] buffer;
  private final NextFrame reader;
  private Pointer handle;
  // set by next(), here and in readers of other sources
  int capLength;
  int wireLength;
  long timestampNanos;

  /** Wraps an open libpcap {@code handle}; tests subclass it with a null one. */
  PcapHandle(String source, Pointer handle, boolean offline, int snaplen) {
    this.source = source;
    this.handle = handle;
    this.offline = offline;
    this.buffer = new byte[Math.max(snaplen, 65535) + 256];
    this.reader = new NextFrame(handle);
  }

  /**
   * Opens a live capture on {@code iface}.
   *
   * @param snaplen bytes kept of each frame
   * @param bufferBytes size of the kernel ring
   * @param timeoutMillis how long a read waits for frames before returning {@link #TIMEOUT}
   */
  static PcapHandle openLive(String iface, int snaplen, int bufferBytes, int timeoutMillis)
      throws CaptureException {
    Libpcap pcap = Libpcap.get();
    byte[] err = new byte[Libpcap.PCAP_ERRBUF_SIZE];
    Pointer p = pcap.pcap_create(iface, err);
    if (p == null) {
      throw new CaptureException("open capture on " + iface + ": " + Native0.string(err));
    }
    pcap.pcap_set_snaplen(p, snaplen);
    pcap.pcap_set_promisc(p, 1);
    pcap.pcap_set_timeout(p, timeoutMillis);
    pcap.pcap_set_buffer_size(p, bufferBytes);
    pcap.pcap_set_tstamp_precision(p, Libpcap.PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap.pcap_activate(p);
    if (rc < 0) {
      String why = pcap.pcap_geterr(p);
      if (why == null || why.isBlank()) {
        why = pcap.pcap_statustostr(rc);
      }
      pcap.pcap_close(p);
      throw new CaptureException("open capture on " + iface + ": " + why);
    }
    return new PcapHandle(iface, p, false, snaplen);
  }

  /** Opens a pcap or pcapng file with nanosecond timestamps. */
  static PcapHandle openFile(Path file) throws CaptureException {
    if (!Files.isReadable(file)) {
      throw new CaptureException("read capture file " + file + ": not readable");
    }
    byte[] err = new byte[Libpcap.PCAP_ERRBUF_SIZE];
    Pointer p =
        Libpcap.get()
            .pcap_open_offline_with_tstamp_precision(
                file.toString(), Libpcap.PCAP_TSTAMP_PRECISION_NANO, err);
    if (p == null) {
      throw new CaptureException("read capture file " + file + ": " + Native0.string(err));
    }
    return new PcapHandle(file.toString(), p, true, 262144);
  }

  /**
   * Compiles {@code expression} for an Ethernet link without opening any capture, so a bad
   * filter is found before the daemon starts.
   *
   * @throws CaptureException carrying libpcap's description of the error
   */
  static void checkFilter(String expression) throws CaptureException {
    Libpcap pcap = Libpcap.get();
    Pointer dead = pcap.pcap_open_dead(1, 262144);
    if (dead == null) {
      throw new CaptureException("filter: libpcap could not compile anything");
    }
    Memory program = new Memory(16);
    program.clear();
    try {
      if (pcap.pcap_compile(dead, program, expression, 1, 0xFFFFFFFF) != 0) {
        throw new CaptureException(pcap.pcap_geterr(dead));
      }
      pcap.pcap_freecode(program);
    } finally {
      pcap.pcap_close(dead);
    }
  }

  /** Sets a BPF filter expression. */
  void setFilter(String expression) throws CaptureException {
    Memory program = new Memory(16);
    program.clear();
    if (pcap.pcap_compile(handle, program, expression, 1, 0xFFFFFFFF) != 0) {
      throw new CaptureException(
          "compile filter '" + expression + "' on " + source + ": " + pcap.pcap_geterr(handle));
    }
    try {
      if (pcap.pcap_setfilter(handle, program) != 0) {
        throw new CaptureException("set filter on " + source + ": " + pcap.pcap_geterr(handle));
      }
    } finally {
      pcap.pcap_freecode(program);
    }
  }

  /** Returns the DLT link type of the handle. */
  int linkType() {
    return pcap.pcap_datalink(handle);
  }

  /** Returns the buffer {@link #next} copies each frame into, starting at offset 0. */
  byte[] buffer() {
    return buffer;
  }

  /**
   * Reads the next frame into {@link #buffer()}.
   *
   * @return {@link #FRAME}, {@link #TIMEOUT}, {@link #EOF} or {@link #ERROR}
   */
  int next() {
    int rc = reader.next();
    if (rc == 1) {
      wireLength = reader.wireLength;
      // timestamps are unsigned 32-bit seconds in pcap files: 2038 and 2106 must not go negative
      timestampNanos = (reader.seconds & 0xFFFF_FFFFL) * 1_000_000_000L + reader.fraction;
      capLength = Math.max(0, Math.min(reader.capLength, buffer.length));
      reader.copy(buffer, capLength);
      return FRAME;
    }
    if (rc == 0) {
      return TIMEOUT;
    }
    if (rc == Libpcap.PCAP_ERROR_EOF && offline) {
      return EOF;
    }
    if (rc == Libpcap.PCAP_ERROR_BREAK) {
      return EOF;
    }
    return ERROR;
  }

  /** Captured length of the last frame read. */
  int capLength() {
    return capLength;
  }

  /** Original (on the wire) length of the last frame read. */
  int wireLength() {
    return wireLength;
  }

  /** Timestamp of the last frame read, nanoseconds since the Epoch. */
  long timestampNanos() {
    return timestampNanos;
  }

  /** Returns the last error text of the handle. */
  String lastError() {
    return pcap.pcap_geterr(handle);
  }

  /**
   * Returns the kernel's count of frames dropped for lack of buffer space since the handle
   * opened (pcap_stat.ps_drop plus ps_ifdrop), or -1 when unavailable (capture files).
   */
  long drops() {
    if (offline) {
      return -1;
    }
    if (pcap.pcap_stats(handle, stats) != 0) {
      return -1;
    }
    return (stats.getInt(4) & 0xFFFF_FFFFL) + (stats.getInt(8) & 0xFFFF_FFFFL);
  }

  /**
   * Makes a blocked {@link #next} return; safe from another thread, and a no-op once the handle
   * is closed (both hold the handle's lock, so the pointer is never used after it is freed).
   */
  synchronized void breakLoop() {
    Pointer p = handle;
    if (p != null) {
      pcap.pcap_breakloop(p);
    }
  }

  @Override
  public synchronized void close() {
    Pointer p = handle;
    handle = null;
    if (p != null) {
      pcap.pcap_close(p);
    }
  }

  /** Helpers for C strings. */
  static final class Native0 {
    private Native0() {}

    static String string(byte[] err) {
      int n = 0;
      while (n < err.length && err[n] != 0) {
        n++;
      }
      return new String(err, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }
  }
}
