package org.trackpeer.daemon.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Memory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link PacketRing} over rings laid out in memory as the kernel lays out TPACKET_V3 blocks:
 * frame order across blocks, timestamps, lengths, VLAN tags put back, blocks given back.
 */
final class PacketRingMemoryTest {
  private static final int BLOCK = 4096;
  private static final int FIRST = 48;
  private static final int MAC_OFFSET = 80;
  private static final int USER = 1;
  private static final int VLAN_VALID = 1 << 4;
  private static final int TPID_VALID = 1 << 6;

  /** One frame as the kernel stores it in a block. */
  private record Slot(byte[] bytes, int wireLength, long sec, long nsec, int status, int tci,
      int tpid) {
    static Slot plain(byte[] bytes, long sec, long nsec) {
      return new Slot(bytes, bytes.length, sec, nsec, USER, 0, 0);
    }
  }

  /** Writes {@code slots} into block {@code b} of {@code ring} and hands it to the reader. */
  private static void fill(Memory ring, int b, Slot... slots) {
    long block = (long) b * BLOCK;
    ring.setInt(block + 12, slots.length);
    ring.setInt(block + 16, FIRST);
    long hdr = block + FIRST;
    for (int i = 0; i < slots.length; i++) {
      Slot s = slots[i];
      int stride = (MAC_OFFSET + s.bytes.length + 15) & ~15;
      ring.setInt(hdr, i + 1 < slots.length ? stride : 0);
      ring.setInt(hdr + 4, (int) s.sec);
      ring.setInt(hdr + 8, (int) s.nsec);
      ring.setInt(hdr + 12, s.bytes.length);
      ring.setInt(hdr + 16, s.wireLength);
      ring.setInt(hdr + 20, s.status);
      ring.setShort(hdr + 24, (short) MAC_OFFSET);
      ring.setInt(hdr + 32, s.tci);
      ring.setShort(hdr + 36, (short) s.tpid);
      ring.write(hdr + MAC_OFFSET, s.bytes, 0, s.bytes.length);
      hdr += stride;
    }
    ring.setInt(block + 8, USER);
  }

  private static byte[] frame(int length, int seed) {
    byte[] f = new byte[length];
    for (int i = 0; i < length; i++) {
      f[i] = (byte) (seed * 31 + i);
    }
    f[12] = 0x08;
    f[13] = 0x00;
    return f;
  }

  private static byte[] read(PacketRing r) {
    return Arrays.copyOf(r.buffer(), r.capLength());
  }

  @Test
  void next_framesOfTwoBlocks_inOrderWithTimesAndLengths() {
    Memory ring = new Memory(3L * BLOCK);
    ring.clear();
    byte[] a = frame(60, 1);
    byte[] b = frame(98, 2);
    byte[] c = frame(54, 3);
    fill(ring, 0, Slot.plain(a, 1_700_000_000L, 5), Slot.plain(b, 1_700_000_001L, 999_999_999));
    fill(ring, 1, new Slot(c, 1514, 4_000_000_000L, 7, USER, 0, 0));
    PacketRing r = PacketRing.over(ring, 3, BLOCK, 128);

    assertEquals(PcapHandle.FRAME, r.next());
    assertArrayEquals(a, read(r));
    assertEquals(60, r.wireLength());
    assertEquals(1_700_000_000_000_000_005L, r.timestampNanos());
    assertEquals(PcapHandle.FRAME, r.next());
    assertArrayEquals(b, read(r));
    assertEquals(1_700_000_001_999_999_999L, r.timestampNanos());
    // a block is given back only once the reader moves past its last frame
    assertEquals(USER, ring.getInt(8));
    assertEquals(PcapHandle.FRAME, r.next());
    assertEquals(0, ring.getInt(8), "block 0 given back to the kernel");
    assertArrayEquals(c, read(r));
    assertEquals(1514, r.wireLength(), "the length on the wire, not the captured one");
    // seconds are unsigned 32-bit: 2096 does not go negative
    assertEquals(4_000_000_000_000_000_007L, r.timestampNanos());
    // block 2 is still the kernel's: nothing more
    assertEquals(PcapHandle.TIMEOUT, r.next());
    assertEquals(0, ring.getInt(BLOCK + 8), "block 1 given back");
    assertEquals(PcapHandle.TIMEOUT, r.next());
  }

  @Test
  void next_afterLastBlock_wrapsToFirst() {
    Memory ring = new Memory(2L * BLOCK);
    ring.clear();
    fill(ring, 0, Slot.plain(frame(60, 1), 1, 0));
    fill(ring, 1, Slot.plain(frame(60, 2), 2, 0));
    PacketRing r = PacketRing.over(ring, 2, BLOCK, 128);
    assertEquals(PcapHandle.FRAME, r.next());
    assertEquals(PcapHandle.FRAME, r.next());
    assertEquals(PcapHandle.TIMEOUT, r.next());
    byte[] again = frame(70, 3);
    fill(ring, 0, Slot.plain(again, 3, 0));
    assertEquals(PcapHandle.FRAME, r.next());
    assertArrayEquals(again, read(r));
    assertEquals(3_000_000_000L, r.timestampNanos());
  }

  @Test
  void next_emptyBlockRetiredByTimeout_isSkipped() {
    Memory ring = new Memory(2L * BLOCK);
    ring.clear();
    fill(ring, 0);
    fill(ring, 1, Slot.plain(frame(60, 9), 9, 0));
    PacketRing r = PacketRing.over(ring, 2, BLOCK, 128);
    assertEquals(PcapHandle.TIMEOUT, r.next());
    assertEquals(PcapHandle.FRAME, r.next());
    assertEquals(0, ring.getInt(8));
    assertEquals(9_000_000_000L, r.timestampNanos());
  }

  @Test
  void next_vlanTagTakenOutByKernel_isPutBack() {
    Memory ring = new Memory(2L * BLOCK);
    ring.clear();
    byte[] untagged = frame(60, 4);
    fill(ring, 0,
        new Slot(untagged, 60, 1, 0, USER | VLAN_VALID, 0x2064, 0),
        new Slot(untagged, 60, 1, 0, USER | VLAN_VALID | TPID_VALID, 0x0007, 0x88a8));
    PacketRing r = PacketRing.over(ring, 2, BLOCK, 128);

    assertEquals(PcapHandle.FRAME, r.next());
    byte[] expected = new byte[64];
    System.arraycopy(untagged, 0, expected, 0, 12);
    expected[12] = (byte) 0x81;
    expected[13] = 0x00;
    expected[14] = 0x20;
    expected[15] = 0x64;
    System.arraycopy(untagged, 12, expected, 16, 48);
    assertArrayEquals(expected, read(r));
    assertEquals(64, r.wireLength());
    FrameDecoder decoder = new FrameDecoder(1);
    DecodedFrame decoded = new DecodedFrame();
    decoder.decode(r.buffer(), 0, r.capLength(), r.wireLength(), r.timestampNanos(), decoded);
    assertEquals(100, decoded.vlan, "VLAN 100 (priority 1) as the decoder reads it");

    assertEquals(PcapHandle.FRAME, r.next());
    assertEquals((byte) 0x88, r.buffer()[12], "the tag protocol the kernel reported (802.1ad)");
    assertEquals((byte) 0xa8, r.buffer()[13]);
    assertEquals(7, r.buffer()[15]);
  }

  @Test
  void next_taggedFrameCutBySnaplen_isCutAgainAfterTheTag() {
    Memory ring = new Memory(2L * BLOCK);
    ring.clear();
    // the kernel applied the snapshot length (128) to the frame without its tag
    byte[] cut = frame(128, 6);
    fill(ring, 0, new Slot(cut, 300, 1, 0, USER | VLAN_VALID, 42, 0));
    PacketRing r = PacketRing.over(ring, 2, BLOCK, 128);
    assertEquals(PcapHandle.FRAME, r.next());
    assertEquals(128, r.capLength(), "the snapshot length, as libpcap gives it");
    assertEquals(304, r.wireLength());
    byte[] expected = new byte[128];
    System.arraycopy(cut, 0, expected, 0, 12);
    expected[12] = (byte) 0x81;
    expected[15] = 42;
    System.arraycopy(cut, 12, expected, 16, 112);
    assertArrayEquals(expected, read(r));
  }

  @Test
  void next_frameLongerThanBuffer_isCutToBuffer() {
    Memory ring = new Memory(24L * BLOCK);
    ring.clear();
    PacketRing r = PacketRing.over(ring, 1, 24 * BLOCK, 128);
    int room = r.buffer().length;
    byte[] big = frame(room + 100, 5);
    long hdr = FIRST;
    ring.setInt(12, 1);
    ring.setInt(16, FIRST);
    ring.setInt(hdr + 12, big.length);
    ring.setInt(hdr + 16, big.length);
    ring.setInt(hdr + 20, USER);
    ring.setShort(hdr + 24, (short) MAC_OFFSET);
    ring.write(hdr + MAC_OFFSET, big, 0, big.length);
    ring.setInt(8, USER);
    assertEquals(PcapHandle.FRAME, r.next());
    assertEquals(room, r.capLength());
    assertEquals(big.length, r.wireLength());
    assertArrayEquals(Arrays.copyOf(big, room), read(r));
  }
}
