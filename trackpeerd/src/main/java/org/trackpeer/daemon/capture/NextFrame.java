package org.trackpeer.daemon.capture;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The per-frame read path of {@link PcapHandle}: {@code pcap_next_ex} bound by JNA direct
 * mapping with plain {@code long} addresses, and the header and frame bytes read from native
 * memory without JNI calls.
 *
 * <p>An interface-mapped JNA call goes through a proxy, reflection and argument conversion
 * (about a microsecond), and every {@code Pointer.getLong} or {@code Pointer.read} is a JNI
 * call of its own; at a million frames a second those costs were most of the read time. A
 * direct-mapped native method with primitive arguments is a single JNI transition, and the
 * header fields and the frame copy then go through {@code sun.misc.Unsafe}, which the JIT turns
 * into plain loads and a {@code memcpy}. The two out-parameters of {@code pcap_next_ex} live in
 * one 16-byte native block owned by the reader, so nothing is allocated per frame.
 */
final class NextFrame {
  private static final sun.misc.Unsafe UNSAFE = RawMemory.UNSAFE;
  private static final long BYTES_BASE = RawMemory.BYTES_BASE;

  static {
    Native.register(NativeLibrary.getInstance(Libpcap.Holder.libraryName()));
  }

  private final Memory out = new Memory(16);
  private final long headerSlot = Pointer.nativeValue(out);
  private final long dataSlot = headerSlot + 8;
  private final long handle;
  private long dataAddress;

  /** Header fields of the frame last read. */
  long seconds;
  long fraction;
  int capLength;
  int wireLength;

  NextFrame(Pointer handle) {
    this.handle = Pointer.nativeValue(handle);
  }

  // int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **pkt_header, const u_char **pkt_data);
  private static native int pcap_next_ex(long p, long header, long data);

  /** Calls {@code pcap_next_ex}; on 1 the header fields are set. */
  int next() {
    int rc = pcap_next_ex(handle, headerSlot, dataSlot);
    if (rc == 1) {
      long hdr = UNSAFE.getLong(headerSlot);
      dataAddress = UNSAFE.getLong(dataSlot);
      // struct pcap_pkthdr on LP64: struct timeval (two longs), caplen, len
      seconds = UNSAFE.getLong(hdr);
      fraction = UNSAFE.getLong(hdr + 8);
      capLength = UNSAFE.getInt(hdr + 16);
      wireLength = UNSAFE.getInt(hdr + 20);
    }
    return rc;
  }

  /** Copies the first {@code length} bytes of the last frame into {@code dst}. */
  void copy(byte[] dst, int length) {
    UNSAFE.copyMemory(null, dataAddress, dst, BYTES_BASE, length);
  }
}
