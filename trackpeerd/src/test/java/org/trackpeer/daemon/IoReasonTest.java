package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** File failures are told in words, never by the exception's class name. */
final class IoReasonTest {
  @Test
  void of_fileExceptions_wordsWithoutClassNames() {
    assertEquals("no such file", IoReason.of(new NoSuchFileException("/etc/x")));
    assertEquals("permission denied", IoReason.of(new AccessDeniedException("/etc/x")));
    assertEquals("read-only file system",
        IoReason.of(new FileSystemException("/x", null, "Read-only file system")));
    assertEquals("is a directory", IoReason.of(new IOException("Is a directory")));
    assertEquals("IPv6 not supported", IoReason.of(new IOException("IPv6 not supported")));
    assertEquals("input/output error", IoReason.of(new IOException()));
  }
}
