package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

final class ArchiveTrainingTest {
  @Test
  void main_answersItsOwnQuery_exitsZeroAndPrintsNothing() throws Exception {
    Process p = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ArchiveTraining.class.getName())
        .redirectErrorStream(true)
        .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "training run did not end");
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.exitValue(), output);
    assertEquals("", output);
  }
}
