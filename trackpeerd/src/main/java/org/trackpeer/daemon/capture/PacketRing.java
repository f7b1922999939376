package org.trackpeer.daemon.capture;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A live capture read straight from the kernel's TPACKET_V3 ring of a Linux packet socket.
 *
 * <p>libpcap reads the same kind of ring, but a Java reader pays for a native call per frame to
 * {@code pcap_next_ex} (in profiles of a flood, JNA's dispatch of that call was the largest
 * share of the capture thread). Here the ring is mapped once and read with plain memory loads:
 * the only system call is a {@code poll} when the next block is still the kernel's. Frames,
 * timestamps and lengths are the ones libpcap would give: a VLAN tag the kernel took out of a
 * frame is put back, and the snapshot length is applied by the kernel through a one-instruction
 * socket filter.
 *
 * <p>The ring is laid out as libpcap lays it out for the same buffer size (blocks of 256 KiB,
 * retired after the read timeout when not full), so a comparison with tcpdump at the same
 * buffer size compares readers, not rings. It is used for Ethernet interfaces without a capture
 * filter; {@link #open} returns null where it does not apply, and the caller uses libpcap.
 */
final class PacketRing extends PcapHandle {
  private static final sun.misc.Unsafe UNSAFE = RawMemory.UNSAFE;
  private static final long BYTES_BASE = RawMemory.BYTES_BASE;

  private static final int AF_PACKET = 17;
  private static final int SOCK_RAW = 3;
  private static final int ETH_P_ALL_BE = 0x0300;
  private static final int SOL_SOCKET = 1;
  private static final int SO_ERROR = 4;
  private static final int SO_ATTACH_FILTER = 26;
  private static final int SOL_PACKET = 263;
  private static final int PACKET_ADD_MEMBERSHIP = 1;
  private static final int PACKET_MR_PROMISC = 1;
  private static final int PACKET_RX_RING = 5;
  private static final int PACKET_STATISTICS = 6;
  private static final int PACKET_VERSION = 10;
  private static final int TPACKET_V3 = 2;
  private static final int PROT_READ_WRITE = 3;
  private static final int MAP_SHARED = 1;
  private static final short POLLIN = 1;
  private static final short POLLERR = 8;
  private static final short POLLHUP = 0x10;
  private static final short POLLNVAL = 0x20;
  private static final int EINTR = 4;
  private static final int ENODEV = 19;
  private static final int ENETDOWN = 100;

  private static final int TP_STATUS_KERNEL = 0;
  private static final int TP_STATUS_USER = 1;
  private static final int TP_STATUS_VLAN_VALID = 1 << 4;
  private static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;

  /**
   * Longest wait in poll for a block. Frames do not wait for it: the kernel hands a block over
   * when it is full or when the read timeout has passed since its first frame. It bounds how
   * long an idle reader takes to notice a stop and to let the capture loop run its
   * once-a-second checks, at four wake-ups a second.
   */
  static final int POLL_MILLIS = 250;

  /** Block size libpcap uses for TPACKET_V3 (its largest snapshot length). */
  static final int BLOCK_BYTES = 262144;
  private static final int ARPHRD_ETHER = 1;

  private final LibC libc = LibC.INSTANCE;
  private final int fd;
  private final Pointer ring;
  private final long ringAddress;
  private final int blocks;
  private final int blockBytes;
  private final int pollMillis;
  private final int snaplen;
  private final Memory pollFd = new Memory(8);
  private final Memory statsOut = new Memory(12);
  private final IntByReference statsLength = new IntByReference();
  private volatile boolean broken;
  private boolean closed;
  private int block;
  private long blockAddress;
  private int packetsLeft;
  private long packetAddress;
  private long droppedTotal;
  private final long missedAtOpen;
  private String error = "";

  /** The C functions used, with their prototypes. */
  interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    // int socket(int domain, int type, int protocol);
    int socket(int domain, int type, int protocol);

    // int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen);
    int setsockopt(int fd, int level, int name, Pointer value, int length);

    // int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen);
    int getsockopt(int fd, int level, int name, Pointer value, IntByReference length);

    // int bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
    int bind(int fd, Pointer address, int length);

    // int getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
    int getsockname(int fd, Pointer address, IntByReference length);

    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
    Pointer mmap(Pointer address, long length, int prot, int flags, int fd, long offset);

    // int munmap(void *addr, size_t length);
    int munmap(Pointer address, long length);

    // int poll(struct pollfd *fds, nfds_t nfds, int timeout);
    int poll(Pointer fds, long count, int timeoutMillis);

    // int close(int fd);
    int close(int fd);

    // char *strerror(int errnum);
    String strerror(int errno);
  }

  private PacketRing(
      String iface, int fd, Pointer ring, int blocks, int blockBytes, int snaplen,
      int pollMillis) {
    super(iface, null, false, snaplen);
    this.fd = fd;
    this.ring = ring;
    this.ringAddress = Pointer.nativeValue(ring);
    this.blocks = blocks;
    this.blockBytes = blockBytes;
    this.pollMillis = Math.max(1, pollMillis);
    this.snaplen = snaplen;
    this.blockAddress = ringAddress;
    this.missedAtOpen = fd >= 0 ? interfaceMissed(iface) : 0;
    pollFd.clear();
    pollFd.setInt(0, fd);
    pollFd.setShort(4, (short) (POLLIN | POLLERR));
  }

  /**
   * Opens a ring on {@code iface} when it is an Ethernet interface of this namespace.
   *
   * @return the ring, or null when {@code iface} is not an Ethernet interface of this
   *     namespace (libpcap then opens it, or says why not)
   * @throws CaptureException when the interface is missing or the socket cannot be set up
   */
  static PacketRing open(String iface, int snaplen, int bufferBytes, int timeoutMillis)
      throws CaptureException {
    LibC libc = LibC.INSTANCE;
    int index = LinkIndex.of(iface);
    if (index == 0) {
      // no such interface, or a pseudo-interface such as "any": libpcap knows or tells
      return null;
    }
    // protocol 0: the socket receives nothing until it is bound to the interface below, so no
    // frame of another interface enters the ring
    int fd = libc.socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
      throw failure(iface, "socket", Native.getLastError());
    }
    Pointer ring = null;
    long ringBytes = 0;
    boolean opened = false;
    try {
      attachSnapFilter(fd, iface, snaplen);
      Memory version = new Memory(4);
      version.setInt(0, TPACKET_V3);
      check(libc.setsockopt(fd, SOL_PACKET, PACKET_VERSION, version, 4), iface, "TPACKET_V3");
      int blocks = Math.max(2, (bufferBytes + BLOCK_BYTES - 1) / BLOCK_BYTES);
      Memory req = new Memory(28);
      req.clear();
      req.setInt(0, BLOCK_BYTES); // tp_block_size
      req.setInt(4, blocks); // tp_block_nr
      req.setInt(8, BLOCK_BYTES); // tp_frame_size
      req.setInt(12, blocks); // tp_frame_nr
      req.setInt(16, Math.max(1, timeoutMillis)); // tp_retire_blk_tov
      check(libc.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, 28), iface, "ring");
      ringBytes = (long) blocks * BLOCK_BYTES;
      Pointer mapped = libc.mmap(null, ringBytes, PROT_READ_WRITE, MAP_SHARED, fd, 0);
      if (mapped == null || Pointer.nativeValue(mapped) == -1L) {
        throw failure(iface, "mmap", Native.getLastError());
      }
      ring = mapped;
      Memory address = new Memory(20);
      address.clear();
      address.setShort(0, (short) AF_PACKET);
      address.setShort(2, (short) ETH_P_ALL_BE);
      address.setInt(4, index);
      check(libc.bind(fd, address, 20), iface, "bind");
      // the link type of the bound interface: sll_hatype, an ARPHRD_ value
      IntByReference addressLength = new IntByReference(20);
      check(libc.getsockname(fd, address, addressLength), iface, "getsockname");
      if ((address.getShort(8) & 0xFFFF) != ARPHRD_ETHER) {
        return null;
      }
      Memory membership = new Memory(16);
      membership.clear();
      membership.setInt(0, index);
      membership.setShort(4, (short) PACKET_MR_PROMISC);
      check(libc.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, membership, 16), iface,
          "promiscuous mode");
      PacketRing handle =
          new PacketRing(iface, fd, ring, blocks, BLOCK_BYTES, snaplen, POLL_MILLIS);
      opened = true;
      return handle;
    } finally {
      if (!opened) {
        if (ring != null) {
          libc.munmap(ring, ringBytes);
        }
        libc.close(fd);
      }
    }
  }

  /**
   * Returns a reader of a ring already in memory, without a socket: {@code blocks} blocks of
   * {@code blockBytes} at {@code ring}. A block not yet handed over makes {@link #next} wait
   * a millisecond and return {@link #TIMEOUT}.
   */
  static PacketRing over(Pointer ring, int blocks, int blockBytes, int snaplen) {
    return new PacketRing("memory", -1, ring, blocks, blockBytes, snaplen, 1);
  }

  /**
   * Applies the snapshot length in the kernel, as libpcap does: a filter that accepts every
   * frame and keeps its first {@code snaplen} bytes.
   */
  private static void attachSnapFilter(int fd, String iface, int snaplen)
      throws CaptureException {
    Memory insn = new Memory(8);
    insn.clear();
    insn.setShort(0, (short) 0x06); // BPF_RET | BPF_K
    insn.setInt(4, snaplen);
    Memory program = new Memory(16);
    program.clear();
    program.setShort(0, (short) 1);
    program.setPointer(8, insn);
    check(LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, program, 16), iface,
        "snapshot filter");
  }

  private static void check(int rc, String iface, String what) throws CaptureException {
    if (rc != 0) {
      throw failure(iface, what, Native.getLastError());
    }
  }

  private static CaptureException failure(String iface, String what, int errno) {
    return new CaptureException(
        "open capture on " + iface + ": " + what + ": " + LibC.INSTANCE.strerror(errno));
  }

  @Override
  int next() {
    if (broken) {
      return EOF;
    }
    if (packetsLeft == 0) {
      if (packetAddress != 0) {
        // every frame of the current block has been read: give it back and move on
        UNSAFE.putIntVolatile(null, blockAddress + 8, TP_STATUS_KERNEL);
        packetAddress = 0;
        block = block + 1 == blocks ? 0 : block + 1;
        blockAddress = ringAddress + (long) block * blockBytes;
      }
      if ((UNSAFE.getIntVolatile(null, blockAddress + 8) & TP_STATUS_USER) == 0) {
        int waited = await();
        if (waited != FRAME) {
          return waited;
        }
        if ((UNSAFE.getIntVolatile(null, blockAddress + 8) & TP_STATUS_USER) == 0) {
          return TIMEOUT;
        }
      }
      packetsLeft = UNSAFE.getInt(blockAddress + 12);
      packetAddress = blockAddress + (UNSAFE.getInt(blockAddress + 16) & 0xFFFF_FFFFL);
      if (packetsLeft == 0) {
        // an empty block (retired by its timeout with nothing in it) is given back next call
        return TIMEOUT;
      }
    }
    long hdr = packetAddress;
    int snap = UNSAFE.getInt(hdr + 12);
    int len = UNSAFE.getInt(hdr + 16);
    int status = UNSAFE.getInt(hdr + 20);
    int mac = UNSAFE.getShort(hdr + 24) & 0xFFFF;
    timestampNanos =
        (UNSAFE.getInt(hdr + 4) & 0xFFFF_FFFFL) * 1_000_000_000L
            + (UNSAFE.getInt(hdr + 8) & 0xFFFF_FFFFL);
    long data = hdr + mac;
    int room = buffer.length;
    if ((status & TP_STATUS_VLAN_VALID) != 0 && snap >= 12) {
      // the kernel took the 802.1Q tag out of the frame: put it back after the two MACs
      int tci = UNSAFE.getInt(hdr + 32) & 0xFFFF;
      int tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0
          ? UNSAFE.getShort(hdr + 36) & 0xFFFF
          : 0x8100;
      // the kernel cut the frame to the snapshot length before the tag went back in; libpcap
      // cuts it again after, and so does this
      int rest = Math.min(snap - 12, Math.min(room, snaplen) - 16);
      UNSAFE.copyMemory(null, data, buffer, BYTES_BASE, 12);
      buffer[12] = (byte) (tpid >>> 8);
      buffer[13] = (byte) tpid;
      buffer[14] = (byte) (tci >>> 8);
      buffer[15] = (byte) tci;
      UNSAFE.copyMemory(null, data + 12, buffer, BYTES_BASE + 16, rest);
      capLength = 16 + rest;
      wireLength = len + 4;
    } else {
      capLength = Math.min(snap, room);
      UNSAFE.copyMemory(null, data, buffer, BYTES_BASE, capLength);
      wireLength = len;
    }
    packetsLeft--;
    if (packetsLeft > 0) {
      packetAddress = hdr + (UNSAFE.getInt(hdr) & 0xFFFF_FFFFL);
    }
    return FRAME;
  }

  /** Waits in poll for the current block; FRAME when it may be ready, else TIMEOUT or ERROR. */
  private int await() {
    pollFd.setShort(6, (short) 0);
    int n = libc.poll(pollFd, 1, pollMillis);
    if (n < 0) {
      int errno = Native.getLastError();
      if (errno == EINTR) {
        return TIMEOUT;
      }
      error = "poll: " + libc.strerror(errno);
      return ERROR;
    }
    if (n == 0) {
      return TIMEOUT;
    }
    short revents = pollFd.getShort(6);
    if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
      Memory value = new Memory(4);
      value.setInt(0, 0);
      IntByReference length = new IntByReference(4);
      libc.getsockopt(fd, SOL_SOCKET, SO_ERROR, value, length);
      int errno = value.getInt(0);
      if (errno == ENETDOWN) {
        // the link went down; reading the error cleared it, and the socket stays bound and
        // sees frames again when the link comes back up (libpcap waits the same way)
        return TIMEOUT;
      }
      error = errno == ENODEV
          ? "The interface went away"
          : errno != 0 ? libc.strerror(errno) : "poll reported an error on the socket";
      return ERROR;
    }
    return FRAME;
  }

  @Override
  int linkType() {
    return 1;
  }

  @Override
  String lastError() {
    return error;
  }

  /**
   * Frames lost since the ring opened: those the ring had no room for (the kernel's count resets
   * on each read, so it is summed here) plus those the interface itself missed, counted as
   * libpcap counts them (the rise of its {@code rx_missed_errors} and {@code rx_fifo_errors}).
   */
  @Override
  long drops() {
    if (closed) {
      return droppedTotal;
    }
    statsLength.setValue(12);
    if (libc.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, statsOut, statsLength) == 0) {
      droppedTotal += statsOut.getInt(4) & 0xFFFF_FFFFL;
    }
    long missed = interfaceMissed(source);
    return droppedTotal + (missed >= missedAtOpen ? missed - missedAtOpen : 0);
  }

  /**
   * Frames the interface could not take in, from sysfs ({@code rx_missed_errors} plus
   * {@code rx_fifo_errors}); 0 where sysfs does not tell.
   */
  static long interfaceMissed(String iface) {
    long sum = 0;
    for (String counter : new String[] {"rx_missed_errors", "rx_fifo_errors"}) {
      try {
        sum += Long.parseLong(
            Files.readString(Path.of("/sys/class/net", iface, "statistics", counter)).trim());
      } catch (IOException | RuntimeException e) {
        // a counter the driver does not keep, or an interface gone: counts as none
      }
    }
    return sum;
  }

  @Override
  void setFilter(String expression) throws CaptureException {
    throw new CaptureException("open capture on " + source
        + ": a capture filter is applied by libpcap, not by the packet ring");
  }

  @Override
  void breakLoop() {
    broken = true;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (fd >= 0) {
      libc.munmap(ring, (long) blocks * blockBytes);
      libc.close(fd);
    }
  }
}
