package org.trackpeer.net;

/**
 * A 48-bit IEEE 802 hardware address, held in the low 48 bits of a {@code long}.
 *
 * <p>The printed form is six lower-case hex pairs joined by colons, the form Linux prints in
 * {@code /proc/net/arp} and {@code ip neigh}.
 */
public final class MacAddress implements Comparable<MacAddress> {
  private static final long MASK = 0xFFFF_FFFF_FFFFL;
  private final long value;

  private MacAddress(long value) {
    this.value = value & MASK;
  }

  /** Returns the address whose 48 bits are the low bits of {@code value}. */
  public static MacAddress of(long value) {
    return new MacAddress(value);
  }

  /** Returns the address read from six bytes of {@code b} starting at {@code off}. */
  public static MacAddress of(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 6; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return new MacAddress(v);
  }

  /**
   * Parses {@code 02:00:5e:00:01:01}, {@code 02-00-5E-00-01-01} or {@code 0200.5e00.0101}.
   *
   * @throws IllegalArgumentException if the text is not a hardware address
   */
  public static MacAddress parse(String text) {
    String hex = text.strip().replace(":", "").replace("-", "").replace(".", "");
    boolean pairs = text.contains(":") || text.contains("-");
    if (hex.length() != 12 || (pairs && text.strip().length() != 17)) {
      throw new IllegalArgumentException("not a MAC address: " + text);
    }
    long v = 0;
    for (int i = 0; i < 12; i++) {
      int d = Character.digit(hex.charAt(i), 16);
      if (d < 0) {
        throw new IllegalArgumentException("not a MAC address: " + text);
      }
      v = (v << 4) | d;
    }
    return new MacAddress(v);
  }

  /** Returns the 48 bits in the low bits of a long. */
  public long toLong() {
    return value;
  }

  /** Writes the six bytes into {@code b} at {@code off}. */
  public void copyTo(byte[] b, int off) {
    for (int i = 0; i < 6; i++) {
      b[off + i] = (byte) (value >>> (40 - 8 * i));
    }
  }

  /** Returns the 24-bit organisationally unique identifier (the first three bytes). */
  public int oui() {
    return (int) (value >>> 24);
  }

  /** Returns true for the group (multicast or broadcast) bit set. */
  public boolean isMulticast() {
    return ((value >>> 40) & 0x01) != 0;
  }

  /** Returns true for a locally administered address (randomised, virtual, or set by hand). */
  public boolean isLocallyAdministered() {
    return ((value >>> 40) & 0x02) != 0;
  }

  /** Returns true for 00:00:00:00:00:00. */
  public boolean isZero() {
    return value == 0;
  }

  /** Returns true for an address a single host can own: not zero, not group. */
  public boolean isUnicastHost() {
    return !isZero() && !isMulticast();
  }

  /** Formats a raw 48-bit value without allocating a MacAddress first. */
  public static String format(long value) {
    char[] c = new char[17];
    for (int i = 0; i < 6; i++) {
      int b = (int) (value >>> (40 - 8 * i)) & 0xFF;
      c[i * 3] = Character.forDigit(b >>> 4, 16);
      c[i * 3 + 1] = Character.forDigit(b & 0xF, 16);
      if (i < 5) {
        c[i * 3 + 2] = ':';
      }
    }
    return new String(c);
  }

  @Override
  public String toString() {
    return format(value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MacAddress && ((MacAddress) o).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  @Override
  public int compareTo(MacAddress o) {
    return Long.compare(value, o.value);
  }
}
