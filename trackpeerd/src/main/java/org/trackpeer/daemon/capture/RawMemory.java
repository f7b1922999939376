package org.trackpeer.daemon.capture;

import java.lang.reflect.Field;

/**
 * Plain loads and copies from native memory that the JIT compiles to single instructions: the
 * frame readers use them instead of a JNI call per field.
 */
final class RawMemory {
  /** The JDK's unchecked memory access; addresses given to it must be valid. */
  static final sun.misc.Unsafe UNSAFE = unsafe();
  /** Offset of element 0 in a {@code byte[]}, for copies into Java arrays. */
  static final long BYTES_BASE = UNSAFE.arrayBaseOffset(byte[].class);

  private RawMemory() {}

  private static sun.misc.Unsafe unsafe() {
    try {
      Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
