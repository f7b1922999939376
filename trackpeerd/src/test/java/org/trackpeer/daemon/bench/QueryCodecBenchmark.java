package org.trackpeer.daemon.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.trackpeer.daemon.cache.CacheConfig;
import org.trackpeer.daemon.cache.FlowCache;
import org.trackpeer.daemon.cache.FlowQuery;
import org.trackpeer.daemon.capture.DecodedFrame;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.ProtocolException;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/** Wire codec: request encode and decode, reply encode and decode with one record. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QueryCodecBenchmark {
  private QueryRequest request;
  private byte[] requestBytes;
  private QueryReply reply;
  private byte[] replyBytes;
  private final byte[] out = new byte[1472];

  /** Builds one request and one reply with a record taken from a real cache. */
  @Setup
  public void setUp() throws UnknownHostException {
    InetAddress src = InetAddress.getByName("198.51.100.7");
    InetAddress dst = InetAddress.getByName("203.0.113.10");
    request = new QueryRequest(42, 6, new Endpoint(src, 40000), new Endpoint(dst, 443),
        BenchCapture.START_SECONDS, 5, 0);
    requestBytes = QueryCodec.encodeRequest(request, 0);
    long[] now = {0};
    FlowCache cache = new FlowCache(CacheConfig.defaults(), () -> now[0]);
    int idx = cache.registerInterface("lan0");
    DecodedFrame f = new DecodedFrame();
    f.reset();
    f.timestampNanos = BenchCapture.START_SECONDS * 1_000_000_000L;
    f.hasSrcMac = true;
    f.srcMac = 0x02005e000101L;
    f.vlan = DecodedFrame.NO_VLAN;
    f.ipVersion = 4;
    f.protocol = 6;
    f.hasPorts = true;
    f.srcIp4 = 0xc000020b;
    f.dstIp4 = 0xcb00710a;
    f.srcPort = 40000;
    f.dstPort = 443;
    cache.record(f, idx);
    List<PeerRecord> records = new ArrayList<>(cache.find(new FlowQuery(6, null, 40000, dst, 443,
        f.timestampNanos - 1, f.timestampNanos + 1, 8)).matches());
    reply = new QueryReply(42, ResultCode.values()[0], Evidence.values()[0], records.size(),
        false, records);
    int n = QueryCodec.encodeReply(reply, out, out.length);
    replyBytes = java.util.Arrays.copyOf(out, n);
  }

  /** Encodes a request. */
  @Benchmark
  public byte[] encodeRequest() {
    return QueryCodec.encodeRequest(request, 0);
  }

  /** Decodes a request. */
  @Benchmark
  public DecodedRequest decodeRequest() throws ProtocolException {
    return QueryCodec.decodeRequest(requestBytes, 0, requestBytes.length);
  }

  /** Encodes a one-record reply into a reused buffer. */
  @Benchmark
  public int encodeReply() {
    return QueryCodec.encodeReply(reply, out, out.length);
  }

  /** Decodes a one-record reply. */
  @Benchmark
  public QueryReply decodeReply() throws ProtocolException {
    return QueryCodec.decodeReply(replyBytes, 0, replyBytes.length);
  }
}
