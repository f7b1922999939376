package org.trackpeer.daemon;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Says in words why a file operation failed, without the exception's class name. */
public final class IoReason {
  private IoReason() {}

  /** Returns the reason, for instance {@code no such file} or {@code permission denied}. */
  public static String of(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    // otherwise the system's words, such as "Read-only file system", as the rest of a line
    String m = e instanceof FileSystemException f && f.getReason() != null
        ? f.getReason()
        : e.getMessage();
    if (m == null || m.isBlank()) {
      return "input/output error";
    }
    boolean word = m.length() > 1 && Character.isUpperCase(m.charAt(0))
        && Character.isLowerCase(m.charAt(1));
    return word ? Character.toLowerCase(m.charAt(0)) + m.substring(1) : m;
  }
}
