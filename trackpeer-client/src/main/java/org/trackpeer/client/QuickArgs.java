package org.trackpeer.client;

import java.util.HashSet;
import java.util.Set;

/**
 * Parses the common {@code trackpeer} command lines without picocli, whose classes (compiled for
 * Java 5, so neither archived by CDS nor checked by the fast verifier) take most of a query's
 * start-up time.
 *
 * <p>It takes only what picocli would take the same way: each option by one of its exact names
 * (as in {@code -s 192.0.2.1:4000}, never {@code -s=...}), at most once, its value in the next
 * argument, converted as the option's converter does. Anything else (help, version, an unknown
 * or repeated option, a value that is empty, starts with {@code -} or {@code @} or does not
 * convert) makes {@link #parse} return false, and picocli parses the whole command line and
 * reports what is wrong.
 */
final class QuickArgs {
  private QuickArgs() {}

  /**
   * Sets the options of {@code command} from {@code args}; false when picocli must parse them
   * instead (the command may then hold some options set and must not be run).
   */
  static boolean parse(Trackpeer command, String[] args) {
    Set<String> given = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String name = longName(args[i]);
      if (name == null || !given.add(name)) {
        return false;
      }
      String value = null;
      if (!isFlag(name)) {
        if (i + 1 == args.length) {
          return false;
        }
        value = args[++i];
        if (value.isEmpty() || value.charAt(0) == '-' || value.charAt(0) == '@') {
          return false;
        }
      }
      if (!command.setOption(name, value)) {
        return false;
      }
    }
    return true;
  }

  /** Returns the longest name of the option called {@code arg}; null when not handled here. */
  static String longName(String arg) {
    switch (arg) {
      case "-s":
      case "--source":
        return "--source";
      case "-dst":
      case "--dst":
      case "--destination":
        return "--destination";
      case "-time":
      case "--time":
        return "--time";
      case "-udp":
      case "--udp":
        return "--udp";
      case "-p":
      case "--protocol":
        return "--protocol";
      case "-a":
      case "--agent":
        return "--agent";
      case "-v":
      case "--verbose":
        return "--verbose";
      case "--port":
      case "--tolerance":
      case "--timeout":
      case "--retries":
      case "--key-file":
      case "--bind":
      case "--json":
      case "--config":
      case "--stats":
      case "--check":
      case "--allow-list":
      case "--from-env":
        return arg;
      default:
        return null;
    }
  }

  private static boolean isFlag(String name) {
    switch (name) {
      case "--udp":
      case "--verbose":
      case "--json":
      case "--stats":
      case "--check":
      case "--from-env":
        return true;
      default:
        return false;
    }
  }
}
