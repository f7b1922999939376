package org.trackpeer.daemon.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.Evidence;

final class ConntrackParserTest {
  private static final int NEW = (1 << 8) | ConntrackParser.IPCTNL_MSG_CT_NEW;
  private static final int DELETE = (1 << 8) | ConntrackParser.IPCTNL_MSG_CT_DELETE;

  /** Collects what the parser hands on. */
  private static final class Sink implements ConntrackParser.Handler {
    final List<ConntrackParser.Event> events = new ArrayList<>();
    int done;
    final List<Integer> errors = new ArrayList<>();

    @Override
    public void event(ConntrackParser.Event e) {
      events.add(e);
    }

    @Override
    public void done() {
      done++;
    }

    @Override
    public void error(int errno) {
      errors.add(errno);
    }
  }

  @Test
  void parse_newEventWithNat_givesTuplesAndTranslation() {
    byte[] msg = natMessage(NEW, ConntrackParser.NLM_F_CREATE);
    ConntrackParser parser = new ConntrackParser();
    Sink sink = new Sink();

    parser.parse(msg, msg.length, sink);

    assertEquals(1, sink.events.size());
    ConntrackParser.Event e = sink.events.get(0);
    assertEquals(ConntrackParser.Kind.NEW, e.kind());
    assertEquals(0x1234abcdL, e.id());
    assertEquals(6, e.orig().protocol());
    assertEquals(40000, e.orig().srcPort());
    assertEquals(46728, e.reply().dstPort());
    Translation t = ConntrackWatcher.toTranslation(e, 77L);
    assertEquals(Endpoint.parse("192.0.2.12:40000", true), t.inside());
    assertEquals(Endpoint.parse("203.0.113.1:46728", true), t.outside());
    assertEquals(Endpoint.parse("203.0.113.10:23", true), t.destination());
    assertEquals(77L, t.seenWallNanos());
    assertEquals(Evidence.TRANSLATION, t.evidence());
    assertEquals(0, parser.malformed());
  }

  @Test
  void parse_updateWithoutCreateFlag_isUpdate() {
    byte[] msg = natMessage(NEW, 0);
    Sink sink = new Sink();

    new ConntrackParser().parse(msg, msg.length, sink);

    assertEquals(ConntrackParser.Kind.UPDATE, sink.events.get(0).kind());
  }

  @Test
  void parse_ipv6DestroyWithTimestamps_readsAddressesAndTimes() {
    byte[] orig = tuple(ConntrackParser.CTA_TUPLE_ORIG, 6, ip("2001:db8:1::11"),
        ip("2001:db8:2::10"), 17, 5353, 53);
    byte[] reply = tuple(ConntrackParser.CTA_TUPLE_REPLY, 6, ip("2001:db8:2::10"),
        ip("2001:db8:2::1"), 17, 53, 61000);
    byte[] times = nest(ConntrackParser.CTA_TIMESTAMP,
        attr(ConntrackParser.CTA_TIMESTAMP_START, be64(1_000_000_000_123L)),
        attr(ConntrackParser.CTA_TIMESTAMP_STOP, be64(1_000_000_900_000L)));
    byte[] msg = message(DELETE, 0, orig, reply, times);
    Sink sink = new Sink();

    new ConntrackParser().parse(msg, msg.length, sink);

    ConntrackParser.Event e = sink.events.get(0);
    assertEquals(ConntrackParser.Kind.DESTROY, e.kind());
    assertEquals(Endpoint.parse("[2001:db8:2::1]:61000", true),
        new Endpoint(e.reply().dst(), e.reply().dstPort()));
    assertEquals(1_000_000_000_123L, e.startNanos());
    assertEquals(1_000_000_900_000L, e.stopNanos());
    assertEquals(1_000_000_000_123L, ConntrackWatcher.toTranslation(e, 5L).seenWallNanos());
  }

  @Test
  void parse_truncatedAttribute_countsMalformed() {
    byte[] msg = natMessage(NEW, ConntrackParser.NLM_F_CREATE);
    // the first attribute claims more bytes than the message holds
    ByteBuffer.wrap(msg).order(ByteOrder.nativeOrder()).putShort(20, (short) 4000);
    ConntrackParser parser = new ConntrackParser();
    Sink sink = new Sink();

    parser.parse(msg, msg.length, sink);

    assertTrue(sink.events.isEmpty());
    assertEquals(1, parser.malformed());
  }

  @Test
  void parse_datagramCutShort_countsMalformedAndKeepsEarlierMessages() {
    byte[] one = natMessage(NEW, ConntrackParser.NLM_F_CREATE);
    byte[] both = concat(one, one);
    ConntrackParser parser = new ConntrackParser();
    Sink sink = new Sink();

    parser.parse(both, both.length - 10, sink);

    assertEquals(1, sink.events.size());
    assertEquals(1, parser.malformed());
  }

  @Test
  void parse_addressOfWrongLength_countsMalformed() {
    byte[] bad = nest(ConntrackParser.CTA_TUPLE_ORIG,
        nest(ConntrackParser.CTA_TUPLE_IP, attr(ConntrackParser.CTA_IP_V4_SRC, new byte[5])));
    byte[] reply = tuple(ConntrackParser.CTA_TUPLE_REPLY, 4, ip("203.0.113.10"),
        ip("203.0.113.1"), 6, 23, 40000);
    byte[] msg = message(NEW, 0, bad, reply);
    ConntrackParser parser = new ConntrackParser();
    Sink sink = new Sink();

    parser.parse(msg, msg.length, sink);

    assertTrue(sink.events.isEmpty());
    assertEquals(1, parser.malformed());
  }

  @Test
  void parse_icmpWithoutPorts_isIgnored() {
    byte[] msg = message(NEW, ConntrackParser.NLM_F_CREATE,
        icmpTuple(ConntrackParser.CTA_TUPLE_ORIG), icmpTuple(ConntrackParser.CTA_TUPLE_REPLY));
    ConntrackParser parser = new ConntrackParser();
    Sink sink = new Sink();

    parser.parse(msg, msg.length, sink);

    assertTrue(sink.events.isEmpty());
    assertEquals(1, parser.ignored());
    assertEquals(0, parser.malformed());
  }

  @Test
  void parse_doneAndError_reachHandler() {
    byte[] done = header(ConntrackParser.NLMSG_DONE, 0, 20);
    byte[] error = header(ConntrackParser.NLMSG_ERROR, 0, 20);
    ByteBuffer.wrap(error).order(ByteOrder.nativeOrder()).putInt(16, -1);
    byte[] both = concat(error, done);
    Sink sink = new Sink();

    new ConntrackParser().parse(both, both.length, sink);

    assertEquals(List.of(1), sink.errors);
    assertEquals(1, sink.done);
  }

  @Test
  void parse_randomAndMutatedBytes_neverThrows() {
    Random random = new Random(20240501L);
    byte[] valid = concat(natMessage(NEW, ConntrackParser.NLM_F_CREATE), natMessage(DELETE, 0));
    ConntrackParser parser = new ConntrackParser();
    Sink sink = new Sink();
    for (int i = 0; i < 20_000; i++) {
      byte[] b;
      if (i % 2 == 0) {
        b = new byte[random.nextInt(300)];
        random.nextBytes(b);
      } else {
        b = valid.clone();
        for (int k = 0; k < 1 + random.nextInt(4); k++) {
          b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        }
      }
      parser.parse(b, random.nextInt(b.length + 8) - 4, sink);
    }
    assertTrue(parser.malformed() > 0, "garbage is counted");
    assertTrue(parser.events() > 0, "lightly mutated messages still parse");
  }

  @Test
  void dumpRequest_layout_isCtGetDumpForAllFamilies() {
    ByteBuffer b = ByteBuffer.wrap(ConntrackWatcher.dumpRequest(7)).order(ByteOrder.nativeOrder());

    assertEquals(20, b.getInt(0));
    assertEquals(0x0101, b.getShort(4));
    assertEquals(0x0301, b.getShort(6));
    assertEquals(7, b.getInt(8));
    assertEquals(0, b.get(16));
  }

  // ---- message builders (host order headers, network order values) ----

  private static byte[] natMessage(int type, int flags) {
    byte[] orig = tuple(ConntrackParser.CTA_TUPLE_ORIG, 4, ip("192.0.2.12"), ip("203.0.113.10"),
        6, 40000, 23);
    byte[] reply = tuple(ConntrackParser.CTA_TUPLE_REPLY, 4, ip("203.0.113.10"),
        ip("203.0.113.1"), 6, 23, 46728);
    byte[] id = attr(ConntrackParser.CTA_ID, new byte[] {0x12, 0x34, (byte) 0xab, (byte) 0xcd});
    byte[] status = attr(ConntrackParser.CTA_STATUS, new byte[] {0, 0, 1, (byte) 0x8e});
    return message(type, flags, orig, reply, status, id);
  }

  private static byte[] icmpTuple(int type) {
    return nest(type,
        nest(ConntrackParser.CTA_TUPLE_IP, attr(1, ip("192.0.2.11")), attr(2, ip("203.0.113.10"))),
        nest(ConntrackParser.CTA_TUPLE_PROTO, attr(ConntrackParser.CTA_PROTO_NUM, new byte[] {1})));
  }

  private static byte[] tuple(int type, int family, byte[] src, byte[] dst, int proto,
      int srcPort, int dstPort) {
    int srcType = family == 4 ? ConntrackParser.CTA_IP_V4_SRC : ConntrackParser.CTA_IP_V6_SRC;
    int dstType = family == 4 ? ConntrackParser.CTA_IP_V4_DST : ConntrackParser.CTA_IP_V6_DST;
    return nest(type,
        nest(ConntrackParser.CTA_TUPLE_IP, attr(srcType, src), attr(dstType, dst)),
        nest(ConntrackParser.CTA_TUPLE_PROTO,
            attr(ConntrackParser.CTA_PROTO_NUM, new byte[] {(byte) proto}),
            attr(ConntrackParser.CTA_PROTO_SRC_PORT, be16(srcPort)),
            attr(ConntrackParser.CTA_PROTO_DST_PORT, be16(dstPort))));
  }

  private static byte[] message(int type, int flags, byte[]... attrs) {
    byte[] body = concat(attrs);
    int len = 16 + 4 + body.length;
    byte[] head = header(type, flags, len);
    head[16] = 2; // AF_INET
    return concat(head, body);
  }

  private static byte[] header(int type, int flags, int len) {
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
    b.putInt(len).putShort((short) type).putShort((short) flags).putInt(1).putInt(0);
    return b.array();
  }

  private static byte[] nest(int type, byte[]... children) {
    return attr(type | 0x8000, concat(children));
  }

  private static byte[] attr(int type, byte[] value) {
    int len = 4 + value.length;
    ByteBuffer b = ByteBuffer.allocate(ConntrackParser.align(len)).order(ByteOrder.nativeOrder());
    b.putShort((short) len).putShort((short) type).put(value);
    return b.array();
  }

  private static byte[] be16(int v) {
    return new byte[] {(byte) (v >> 8), (byte) v};
  }

  private static byte[] be64(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  private static byte[] ip(String text) {
    return Endpoint.parseAddress(text).getAddress();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
