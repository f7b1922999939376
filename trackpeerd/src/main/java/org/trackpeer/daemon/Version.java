package org.trackpeer.daemon;

import picocli.CommandLine.IVersionProvider;

/** The version, read from the jar manifest that Maven writes from the POM. */
public final class Version implements IVersionProvider {
  /** The version of this build, or "dev" when run from classes. */
  public static final String VERSION = read();

  private static String read() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"trackpeerd " + VERSION};
  }
}
