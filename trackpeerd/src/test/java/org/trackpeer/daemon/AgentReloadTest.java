package org.trackpeer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reload names the changed settings that wait for a restart by their configuration keys. */
final class AgentReloadTest {
  @TempDir Path dir;

  private static DaemonConfig config(String... keyValues) throws ConfigException {
    DaemonConfig.Raw raw = new DaemonConfig.Raw().set("max-entries", "1000", "test");
    for (int i = 0; i < keyValues.length; i += 2) {
      raw.set(keyValues[i], keyValues[i + 1], "test");
    }
    return raw.validate();
  }

  @Test
  void keyOf_everyComponent_isAConfigurationKeyOnce() {
    List<String> keys = new ArrayList<>();
    for (RecordComponent rc : DaemonConfig.class.getRecordComponents()) {
      if (!rc.getName().equals("source")) {
        keys.add(DaemonConfig.keyOf(rc.getName()));
      }
    }
    assertEquals(DaemonConfig.KEYS, keys);
    assertTrue(DaemonConfig.KEYS.containsAll(Agent.LIVE_KEYS), Agent.LIVE_KEYS.toString());
  }

  @Test
  void reload_restartOnlyKeysChanged_namedByConfigurationKey() throws Exception {
    Path keys = dir.resolve("keys");
    Files.writeString(keys, "7 00112233445566778899aabbccddeeff\n");
    Agent agent = new Agent(config());
    try {
      List<String> pending = agent.reload(config("port", "7710", "retention", "300",
          "rate-total", "50", "auth-key-file", keys.toString(), "prometheus-listen",
          "127.0.0.1:9277", "allow", "198.51.100.0/24", "tolerance", "30"));
      assertEquals(List.of("port", "retention", "rate-total", "auth-key-file",
          "prometheus-listen"), pending);
      assertEquals("changed settings that take effect only after a restart: port, retention, "
          + "rate-total, auth-key-file, prometheus-listen", Trackpeerd.restartWarning(pending));
    } finally {
      agent.close();
    }
  }

  @Test
  void reload_liveKeysChanged_nothingPending() throws Exception {
    Agent agent = new Agent(config());
    try {
      assertEquals(List.of(), agent.reload(config("allow", "198.51.100.0/24", "tolerance", "30",
          "wildcard", "on", "wildcard-max", "10", "nat-addresses", "203.0.113.1",
          "ignore-macs", "02:00:5e:00:00:01")));
    } finally {
      agent.close();
    }
  }

  @Test
  void readme_liveReloadLists_matchTheCode() throws IOException {
    String readme = Files.readString(Path.of("../README.md"));
    String hup = readme.lines().filter(l -> l.startsWith("| `HUP` |")).findFirst().orElseThrow();
    assertEquals(Agent.LIVE_KEYS, quotedKeys(hup.substring(0, hup.indexOf(" change at once"))));
    int unit = readme.indexOf("`systemctl reload trackpeerd` (SIGHUP) applies");
    assertEquals(Agent.LIVE_KEYS,
        quotedKeys(readme.substring(unit, readme.indexOf("without losing", unit))));
    int limit = readme.indexOf("- Only `allow`");
    assertEquals(Agent.LIVE_KEYS,
        quotedKeys(readme.substring(limit, readme.indexOf("change on SIGHUP", limit))));
  }

  private static List<String> quotedKeys(String text) {
    List<String> keys = new ArrayList<>();
    Matcher m = Pattern.compile("`([a-z-]+)`").matcher(text);
    while (m.find()) {
      keys.add(m.group(1));
    }
    return keys;
  }
}
