package org.trackpeer.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.net.Endpoint;

final class AuthTest {
  private static final long NOW = 1_700_000_000L;
  private static final Auth.Key KEY = new Auth.Key(7, HexFormat.of().parseHex(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  private static final Auth.Key OTHER = new Auth.Key(7, HexFormat.of().parseHex(
      "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  private static final byte[] NONCE = HexFormat.of().parseHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");

  private static byte[] unpaddedQuery() {
    QueryRequest q = new QueryRequest(0x0123456789abcdefL, QueryRequest.TCP,
        Endpoint.parse("203.0.113.5:40000", true), Endpoint.parse("198.51.100.7:443", true),
        NOW, 30, 0);
    return QueryCodec.encodeRequest(q, 0);
  }

  private static Auth.Verified verify(byte[] b, Map<Long, Auth.Key> keys, long now)
      throws Exception {
    DecodedRequest d = QueryCodec.decodeRequest(b, 0, b.length);
    return Auth.verifyRequest(b, b.length, QueryCodec.requestFieldsSize(d), keys, now);
  }

  @Test
  void sealRequest_validRequest_verifiesAndDecodes() throws Exception {
    byte[] b = Auth.sealRequest(unpaddedQuery(), KEY, NOW, NONCE, 512);
    assertEquals(512, b.length);
    DecodedRequest d = QueryCodec.decodeRequest(b, 0, b.length);
    assertTrue(d.authenticated());
    assertEquals(40, QueryCodec.requestFieldsSize(d));
    Auth.Verified v = verify(b, Map.of(7L, KEY), NOW + 3);
    assertArrayEquals(NONCE, v.nonce());
    assertEquals(NOW, v.timeSeconds());
    assertEquals(7, v.key().id());
  }

  @Test
  void verifyRequest_everyBitFlipped_rejected() throws Exception {
    byte[] good = Auth.sealRequest(unpaddedQuery(), KEY, NOW, NONCE, 160);
    int rejected = 0;
    for (int bit = 0; bit < good.length * 8; bit++) {
      byte[] b = good.clone();
      b[bit / 8] ^= (byte) (1 << (bit % 8));
      try {
        verify(b, Map.of(7L, KEY), NOW);
      } catch (ProtocolException | Auth.AuthException e) {
        rejected++;
      }
    }
    assertEquals(good.length * 8, rejected);
  }

  @Test
  void verifyRequest_extraPaddingAppended_rejected() throws Exception {
    byte[] good = Auth.sealRequest(unpaddedQuery(), KEY, NOW, NONCE, 160);
    byte[] longer = Arrays.copyOf(good, 400);
    Auth.AuthException e =
        assertThrows(Auth.AuthException.class, () -> verify(longer, Map.of(7L, KEY), NOW));
    assertEquals("bad_mac", e.getMessage());
  }

  @Test
  void verifyRequest_clockSkewBeyondWindow_rejected() throws Exception {
    byte[] b = Auth.sealRequest(unpaddedQuery(), KEY, NOW, NONCE, 0);
    verify(b, Map.of(7L, KEY), NOW + Auth.WINDOW_SECONDS);
    verify(b, Map.of(7L, KEY), NOW - Auth.WINDOW_SECONDS);
    for (long now : new long[] {NOW + Auth.WINDOW_SECONDS + 1, NOW - Auth.WINDOW_SECONDS - 1}) {
      Auth.AuthException e =
          assertThrows(Auth.AuthException.class, () -> verify(b, Map.of(7L, KEY), now));
      assertEquals("clock_skew", e.getMessage());
    }
  }

  @Test
  void verifyRequest_wrongSecret_rejected() throws Exception {
    byte[] b = Auth.sealRequest(unpaddedQuery(), OTHER, NOW, NONCE, 0);
    Auth.AuthException e =
        assertThrows(Auth.AuthException.class, () -> verify(b, Map.of(7L, KEY), NOW));
    assertEquals("bad_mac", e.getMessage());
  }

  @Test
  void verifyRequest_unknownKeyId_rejected() throws Exception {
    byte[] b = Auth.sealRequest(unpaddedQuery(), new Auth.Key(8, new byte[16]), NOW, NONCE, 0);
    Auth.AuthException e =
        assertThrows(Auth.AuthException.class, () -> verify(b, Map.of(7L, KEY), NOW));
    assertEquals("unknown_key", e.getMessage());
  }

  @Test
  void verifyRequest_plainRequest_notAuthenticated() throws Exception {
    byte[] b = QueryCodec.encodeRequest(
        QueryCodec.decodeRequest(unpaddedQuery(), 0, 40).query(), 200);
    Auth.AuthException e =
        assertThrows(Auth.AuthException.class, () -> verify(b, Map.of(7L, KEY), NOW));
    assertEquals("not_authenticated", e.getMessage());
  }

  @Test
  void openReply_sealedWithRequestNonce_returnsBodySize() throws Exception {
    byte[] out = new byte[100];
    int body = QueryCodec.encodeReply(QueryReply.of(5, ResultCode.NOT_FOUND), out, 100);
    int n = Auth.sealReply(out, body, KEY, NONCE);
    assertEquals(body + Auth.MAC_SIZE, n);
    assertEquals(body, Auth.openReply(out, n, KEY, NONCE));
  }

  @Test
  void openReply_otherNonceOrKeyOrFlippedBit_rejected() throws Exception {
    byte[] out = new byte[100];
    int body = QueryCodec.encodeReply(QueryReply.of(5, ResultCode.NOT_FOUND), out, 100);
    int n = Auth.sealReply(out, body, KEY, NONCE);
    byte[] otherNonce = NONCE.clone();
    otherNonce[0] ^= 1;
    assertThrows(Auth.AuthException.class, () -> Auth.openReply(out, n, KEY, otherNonce));
    assertThrows(Auth.AuthException.class, () -> Auth.openReply(out, n, OTHER, NONCE));
    for (int bit = 0; bit < n * 8; bit++) {
      byte[] b = out.clone();
      b[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThrows(Auth.AuthException.class, () -> Auth.openReply(b, n, KEY, NONCE));
    }
  }

  @Test
  void readKeyFile_idsAndBareSecret_parsed(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("keys");
    Files.writeString(f, "# keys\n"
        + "7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        + "9 00112233445566778899aabbccddeeff  # second\n");
    Map<Long, Auth.Key> keys = Auth.readKeyFile(f);
    assertEquals(java.util.List.of(7L, 9L), java.util.List.copyOf(keys.keySet()));
    Path bare = dir.resolve("one");
    Files.writeString(bare, "00112233445566778899aabbccddeeff\n");
    assertEquals(0, Auth.readKeyFile(bare).keySet().iterator().next());
  }

  @Test
  void readKeyFile_shortSecret_messageWithoutSecret(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("keys");
    Files.writeString(f, "1 0011223344\n");
    IOException e = assertThrows(IOException.class, () -> Auth.readKeyFile(f));
    assertTrue(e.getMessage().contains(":1:"), e.getMessage());
    assertTrue(!e.getMessage().contains("0011223344"), e.getMessage());
  }
}
