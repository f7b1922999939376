package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.net.Endpoint;
import org.trackpeer.net.MacAddress;
import org.trackpeer.proto.Auth;
import org.trackpeer.proto.DecodedRequest;
import org.trackpeer.proto.Evidence;
import org.trackpeer.proto.PeerRecord;
import org.trackpeer.proto.QueryCodec;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.ResultCode;

final class TrackpeerAuthTest {
  private static final String SECRET =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  private static final Auth.Key KEY = new Auth.Key(5, HexFormat.of().parseHex(SECRET));
  private static final PeerRecord PC1 = new PeerRecord(MacAddress.parse("02:00:5e:10:00:01"),
      Endpoint.parseAddress("192.0.2.11"), 49200, Endpoint.parseAddress("198.51.100.7"), 443,
      -1, "veth0", 1_700_000_000_000_000_000L, 1_700_000_000_000_000_001L);

  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Trackpeer.commandLine(new Trackpeer(
        Clock.fixed(Instant.ofEpochSecond(1_700_000_100L), ZoneOffset.UTC)));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  private Path keyFile(String text) throws Exception {
    Path f = dir.resolve("keys");
    Files.writeString(f, text);
    return f;
  }

  private static FakeAgent.Script found() {
    return FakeAgent.replying(
        id -> new QueryReply(id, ResultCode.FOUND, Evidence.PORT_MATCH, 1, false, List.of(PC1)));
  }

  private static String[] args(FakeAgent agent, Path keys) {
    return new String[] {"-s", "203.0.113.5:40000", "-dst", "198.51.100.7:443", "-time",
        "1700000000", "-a", agent.address(), "--retries", "0", "--timeout", "3000",
        "--key-file", keys.toString()};
  }

  @Test
  void execute_keyFileAndSealedReply_foundWithAuthenticatedRequest() throws Exception {
    Path keys = keyFile("5 " + SECRET + "\n");
    try (FakeAgent agent = new FakeAgent(found(), KEY)) {
      Run r = run(args(agent, keys));
      assertEquals(0, r.exit(), r.err());
      assertEquals("02:00:5e:10:00:01\n", r.out());
      DecodedRequest d = agent.requests().get(0);
      assertTrue(d.authenticated());
      assertEquals(TrackpeerClient.QUERY_PAD_BYTES, d.datagramBytes());
      byte[] raw = agent.rawRequests().get(0);
      long now = Instant.now().getEpochSecond();
      Auth.Verified v = Auth.verifyRequest(raw, raw.length, QueryCodec.requestFieldsSize(d),
          Map.of(5L, KEY), now);
      assertEquals(5, v.key().id());
    }
  }

  @Test
  void execute_forgedUnsealedReply_badReplyExit3() throws Exception {
    Path keys = keyFile("5 " + SECRET + "\n");
    try (FakeAgent agent = new FakeAgent(found())) {
      Run r = run(args(agent, keys));
      assertEquals(ClientExit.BAD_REPLY, r.exit(), r.err());
      assertEquals(3, r.exit());
      assertTrue(r.err().contains("not_authenticated"), r.err());
    }
  }

  @Test
  void execute_replySealedWithOtherKey_badReplyExit3() throws Exception {
    Path keys = keyFile("5 " + SECRET + "\n");
    Auth.Key other = new Auth.Key(5, new byte[32]);
    try (FakeAgent agent = new FakeAgent(found(), other)) {
      assertEquals(3, run(args(agent, keys)).exit());
    }
  }

  @Test
  void execute_missingKeyFile_usageWithoutSecret() throws Exception {
    Run r = run("-s", "203.0.113.5:40000", "-dst", "198.51.100.7:443", "-a", "127.0.0.1",
        "--key-file", dir.resolve("absent").toString());
    assertEquals(ClientExit.USAGE, r.exit());
    assertTrue(r.err().contains("--key-file"), r.err());
  }
}
