package org.trackpeer.proto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The optional shared-secret authentication of the query protocol (docs/protocol.md,
 * "Authentication trailer").
 *
 * <p>An authenticated request carries, right after its fields, a trailer of key id (u32),
 * timestamp (signed seconds since the Epoch), a 16-byte random nonce and an HMAC-SHA256 over
 * every byte before the HMAC followed by the datagram's total size as a u16, so that neither
 * the fields nor the reply budget can be changed. Zero padding may follow the trailer. The
 * reply to it ends with an HMAC-SHA256 over the reply's bytes followed by the request's nonce,
 * so a reply cannot be forged nor moved to another request.
 */
public final class Auth {
  /** Size of the key id field. */
  public static final int KEY_ID_SIZE = 4;
  /** Size of the timestamp field. */
  public static final int TIME_SIZE = 8;
  /** Size of the nonce field. */
  public static final int NONCE_SIZE = 16;
  /** Size of an HMAC-SHA256 value. */
  public static final int MAC_SIZE = 32;
  /** Size of a request's authentication trailer. */
  public static final int TRAILER_SIZE = KEY_ID_SIZE + TIME_SIZE + NONCE_SIZE + MAC_SIZE;
  /** How far a request's timestamp may lie from the agent's clock, either way. */
  public static final long WINDOW_SECONDS = 30;
  /** The shortest secret accepted, in bytes. */
  public static final int SECRET_MIN_BYTES = 16;

  private static final String ALGORITHM = "HmacSHA256";

  private Auth() {}

  /** One shared secret and the number that names it on the wire. */
  public static final class Key {
    private final long id;
    private final byte[] secret;

    /**
     * Creates a key.
     *
     * @throws IllegalArgumentException if the id is not a u32 or the secret is too short
     */
    public Key(long id, byte[] secret) {
      if (id < 0 || id > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("key id out of range 0-4294967295: " + id);
      }
      if (secret.length < SECRET_MIN_BYTES) {
        throw new IllegalArgumentException(
            "secret shorter than " + SECRET_MIN_BYTES + " bytes (" + secret.length + ")");
      }
      this.id = id;
      this.secret = secret.clone();
    }

    /** Returns the key id. */
    public long id() {
      return id;
    }

    @Override
    public String toString() {
      return "key " + id;
    }
  }

  /** Why an authenticated request or reply was not accepted. */
  public static final class AuthException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a short reason such as {@code bad_mac}. */
    public AuthException(String message) {
      super(message);
    }
  }

  /**
   * Reads a key file: lines {@code KEYID SECRET_HEX}; {@code #} starts a comment. A file that
   * holds only a hex secret on one line is read as key id 0.
   *
   * @throws IOException when the file cannot be read or a line is malformed
   */
  public static Map<Long, Key> readKeyFile(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    Map<Long, Key> keys = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (text.isEmpty()) {
        continue;
      }
      String[] parts = text.split("\\s+");
      // the messages never quote the line: it holds a secret
      String where = file + ":" + (i + 1) + ": ";
      long id;
      byte[] secret;
      try {
        if (parts.length > 2) {
          throw new IllegalArgumentException("too many fields");
        }
        id = parts.length == 2 ? Long.parseLong(parts[0]) : 0;
        secret = HexFormat.of().parseHex(parts[parts.length - 1]);
      } catch (IllegalArgumentException e) {
        throw new IOException(where + "malformed, expected 'KEYID SECRET_HEX'");
      }
      Key k;
      try {
        k = new Key(id, secret);
      } catch (IllegalArgumentException e) {
        throw new IOException(where + e.getMessage());
      }
      if (keys.putIfAbsent(k.id(), k) != null) {
        throw new IOException(where + "key id " + k.id() + " given twice");
      }
    }
    if (keys.isEmpty()) {
      throw new IOException(file + ": no key");
    }
    return keys;
  }

  /**
   * Adds the authentication trailer to an unpadded request, sets its auth flag, and pads the
   * result with zeros to {@code padToBytes}.
   *
   * @param request an unpadded request from {@link QueryCodec}
   * @throws IllegalArgumentException if the result would exceed the largest datagram
   */
  public static byte[] sealRequest(
      byte[] request, Key key, long timeSeconds, byte[] nonce, int padToBytes) {
    if (nonce.length != NONCE_SIZE) {
      throw new IllegalArgumentException("nonce of " + nonce.length + " bytes");
    }
    int fields = request.length;
    int size = Math.max(fields + TRAILER_SIZE, padToBytes);
    if (size > Protocol.MAX_DATAGRAM_BYTES) {
      throw new IllegalArgumentException("authenticated request of " + size + " bytes");
    }
    byte[] b = Arrays.copyOf(request, size);
    b[WireFormat.REQ_FLAGS_OFFSET] |= (byte) WireFormat.REQ_FLAG_AUTH;
    int pos = fields;
    putBig(b, pos, key.id, KEY_ID_SIZE);
    pos += KEY_ID_SIZE;
    putBig(b, pos, timeSeconds, TIME_SIZE);
    pos += TIME_SIZE;
    System.arraycopy(nonce, 0, b, pos, NONCE_SIZE);
    pos += NONCE_SIZE;
    byte[] mac = requestMac(key.secret, b, pos, size);
    System.arraycopy(mac, 0, b, pos, MAC_SIZE);
    return b;
  }

  /**
   * Checks an authenticated request's trailer; on success returns the key and nonce the reply
   * must be sealed with. The nonce is not yet recorded: the caller checks it against its
   * {@link NonceCache}.
   *
   * @param fieldsBytes where the request's fields end and the trailer starts
   * @throws AuthException naming the failed check
   */
  public static Verified verifyRequest(
      byte[] buf, int len, int fieldsBytes, Map<Long, Key> keys, long nowSeconds)
      throws AuthException {
    if ((buf[WireFormat.REQ_FLAGS_OFFSET] & WireFormat.REQ_FLAG_AUTH) == 0) {
      throw new AuthException("not_authenticated");
    }
    if (len - fieldsBytes < TRAILER_SIZE) {
      throw new AuthException("short_trailer");
    }
    int pos = fieldsBytes;
    long keyId = getBig(buf, pos, KEY_ID_SIZE);
    pos += KEY_ID_SIZE;
    long time = getBig(buf, pos, TIME_SIZE);
    pos += TIME_SIZE;
    byte[] nonce = Arrays.copyOfRange(buf, pos, pos + NONCE_SIZE);
    pos += NONCE_SIZE;
    Key key = keys.get(keyId);
    if (key == null) {
      throw new AuthException("unknown_key");
    }
    byte[] expected = requestMac(key.secret, buf, pos, len);
    if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(buf, pos, pos + MAC_SIZE))) {
      throw new AuthException("bad_mac");
    }
    for (int i = pos + MAC_SIZE; i < len; i++) {
      if (buf[i] != 0) {
        throw new AuthException("nonzero_padding");
      }
    }
    if (Math.abs(nowSeconds - time) > WINDOW_SECONDS || time == Long.MIN_VALUE) {
      throw new AuthException("clock_skew");
    }
    return new Verified(key, nonce, time);
  }

  /** A request that passed {@link #verifyRequest}. */
  public record Verified(Key key, byte[] nonce, long timeSeconds) {}

  /**
   * Appends the reply MAC after {@code replyBytes} bytes of {@code out}.
   *
   * @return the sealed reply's size
   * @throws IndexOutOfBoundsException if out has no room for the MAC
   */
  public static int sealReply(byte[] out, int replyBytes, Key key, byte[] requestNonce) {
    byte[] mac = replyMac(key.secret, out, replyBytes, requestNonce);
    System.arraycopy(mac, 0, out, replyBytes, MAC_SIZE);
    return replyBytes + MAC_SIZE;
  }

  /**
   * Checks the MAC at the end of a reply to the request that carried {@code requestNonce}.
   *
   * @return the size of the reply without its MAC
   * @throws AuthException when the reply is too short or its MAC does not match
   */
  public static int openReply(byte[] buf, int len, Key key, byte[] requestNonce)
      throws AuthException {
    if (len < WireFormat.HEADER_SIZE + MAC_SIZE) {
      throw new AuthException("reply too short for its MAC");
    }
    int body = len - MAC_SIZE;
    byte[] expected = replyMac(key.secret, buf, body, requestNonce);
    if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(buf, body, len))) {
      throw new AuthException("reply MAC does not verify");
    }
    return body;
  }

  private static byte[] requestMac(byte[] secret, byte[] b, int macOffset, int datagramBytes) {
    Mac mac = mac(secret);
    mac.update(b, 0, macOffset);
    mac.update(new byte[] {(byte) (datagramBytes >>> 8), (byte) datagramBytes});
    return mac.doFinal();
  }

  private static byte[] replyMac(byte[] secret, byte[] b, int len, byte[] nonce) {
    Mac mac = mac(secret);
    mac.update(b, 0, len);
    mac.update(nonce);
    return mac.doFinal();
  }

  private static Mac mac(byte[] secret) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret, ALGORITHM));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static void putBig(byte[] b, int pos, long v, int size) {
    for (int i = 0; i < size; i++) {
      b[pos + i] = (byte) (v >>> (8 * (size - 1 - i)));
    }
  }

  private static long getBig(byte[] b, int pos, int size) {
    long v = 0;
    for (int i = 0; i < size; i++) {
      v = (v << 8) | (b[pos + i] & 0xFF);
    }
    return v;
  }
}
