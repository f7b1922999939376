package org.trackpeer.daemon.capture;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.util.ArrayList;
import java.util.List;

/**
 * The few libpcap calls on the capture hot path, bound directly with JNA.
 *
 * <p>pcap4j's read paths copy every frame into a new array and build a timestamp object per
 * packet; this binding reuses its out-parameters and one buffer per handle instead. Each method
 * carries the C prototype it maps.
 */
interface Libpcap extends Library {
  int PCAP_ERRBUF_SIZE = 256;
  int PCAP_TSTAMP_PRECISION_NANO = 1;
  int PCAP_ERROR_BREAK = -2;
  int PCAP_ERROR_EOF = -2;

  /** Returns the process-wide binding, loading libpcap once. */
  static Libpcap get() {
    return Holder.INSTANCE;
  }

  // pcap_t *pcap_create(const char *source, char *errbuf);
  Pointer pcap_create(String source, byte[] errbuf);

  // int pcap_set_snaplen(pcap_t *p, int snaplen);
  int pcap_set_snaplen(Pointer p, int snaplen);

  // int pcap_set_promisc(pcap_t *p, int promisc);
  int pcap_set_promisc(Pointer p, int promisc);

  // int pcap_set_timeout(pcap_t *p, int to_ms);
  int pcap_set_timeout(Pointer p, int toMs);

  // int pcap_set_buffer_size(pcap_t *p, int buffer_size);
  int pcap_set_buffer_size(Pointer p, int bufferSize);

  // int pcap_set_tstamp_precision(pcap_t *p, int tstamp_precision);
  int pcap_set_tstamp_precision(Pointer p, int precision);

  // int pcap_activate(pcap_t *p);
  int pcap_activate(Pointer p);

  // pcap_t *pcap_open_offline_with_tstamp_precision(const char *fname, u_int precision,
  //     char *errbuf);
  Pointer pcap_open_offline_with_tstamp_precision(String fname, int precision, byte[] errbuf);

  // pcap_t *pcap_open_dead(int linktype, int snaplen);
  Pointer pcap_open_dead(int linktype, int snaplen);

  // int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **pkt_header, const u_char **pkt_data);
  int pcap_next_ex(Pointer p, PointerByReference header, PointerByReference data);

  // int pcap_datalink(pcap_t *p);
  int pcap_datalink(Pointer p);

  // int pcap_stats(pcap_t *p, struct pcap_stat *ps);
  int pcap_stats(Pointer p, Pointer stats);

  // void pcap_breakloop(pcap_t *p);
  void pcap_breakloop(Pointer p);

  // void pcap_close(pcap_t *p);
  void pcap_close(Pointer p);

  // char *pcap_geterr(pcap_t *p);
  String pcap_geterr(Pointer p);

  // const char *pcap_statustostr(int error);
  String pcap_statustostr(int error);

  // int pcap_compile(pcap_t *p, struct bpf_program *fp, const char *str, int optimize,
  //     bpf_u_int32 netmask);
  int pcap_compile(Pointer p, Pointer program, String filter, int optimize, int netmask);

  // int pcap_setfilter(pcap_t *p, struct bpf_program *fp);
  int pcap_setfilter(Pointer p, Pointer program);

  // void pcap_freecode(struct bpf_program *fp);
  void pcap_freecode(Pointer program);

  /** Loads libpcap by the names Debian and other distributions install it under. */
  final class Holder {
    static final Libpcap INSTANCE = load();

    private Holder() {}

    private static volatile String loadedName;

    private static Libpcap load() {
      List<String> names = new ArrayList<>();
      String pinned = System.getProperty("org.pcap4j.core.pcapLibName");
      if (pinned != null && !pinned.isBlank()) {
        names.add(pinned);
      }
      names.add("pcap");
      names.add("libpcap.so.0.8");
      names.add("libpcap.so.1");
      UnsatisfiedLinkError last = null;
      for (String name : names) {
        try {
          Libpcap lib = Native.load(name, Libpcap.class);
          loadedName = name;
          return lib;
        } catch (UnsatisfiedLinkError e) {
          last = e;
        }
      }
      throw last;
    }

    /** Returns the library name {@link #INSTANCE} was loaded under. */
    static String libraryName() {
      if (INSTANCE == null) {
        throw new IllegalStateException("libpcap not loaded");
      }
      return loadedName;
    }
  }
}
