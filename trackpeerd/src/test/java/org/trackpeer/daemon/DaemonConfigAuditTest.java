package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trackpeer.daemon.syslog.SyslogSink;

final class DaemonConfigAuditTest {
  @TempDir Path dir;

  private DaemonConfig load(String text) throws Exception {
    Path f = dir.resolve("trackpeerd.conf");
    Files.writeString(f, text);
    return DaemonConfig.Raw.load(f, true).validate();
  }

  @Test
  void validate_noAuditKeys_defaultsOnLocal4Notice() throws Exception {
    DaemonConfig c = load("");
    assertTrue(c.audit());
    assertEquals(SyslogSink.Facility.LOCAL4, c.auditFacility());
    assertEquals(SyslogSink.Level.NOTICE, c.auditLevel());
    assertEquals(20, c.auditRate());
  }

  @Test
  void validate_auditKeys_areRead() throws Exception {
    DaemonConfig c = load("audit = off\naudit-facility = AUTH\naudit-level = info\n"
        + "audit-rate = 100\n");
    assertFalse(c.audit());
    assertEquals(SyslogSink.Facility.AUTH, c.auditFacility());
    assertEquals(SyslogSink.Level.INFO, c.auditLevel());
    assertEquals(100, c.auditRate());
  }

  @Test
  void validate_badAuditValues_nameKeyAndLine() {
    ConfigException f = assertThrows(ConfigException.class,
        () -> load("\naudit-facility = local9\n"));
    assertTrue(f.getMessage().contains(":2: audit-facility = 'local9'"), f.getMessage());
    ConfigException l = assertThrows(ConfigException.class, () -> load("audit-level = loud\n"));
    assertTrue(l.getMessage().contains("audit-level"), l.getMessage());
    assertThrows(ConfigException.class, () -> load("audit-rate = 0\n"));
    assertThrows(ConfigException.class, () -> load("audit = maybe\n"));
  }
}
