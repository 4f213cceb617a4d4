package dev.etcdcache.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the etcd executable: an explicit path from the builder, else the {@code ETCD_BIN} system
 * property, else the {@code ETCD_BIN} environment variable, else {@code etcd} on the {@code PATH},
 * else {@code /usr/bin/etcd} and {@code /usr/local/bin/etcd}.
 *
 * <p>An explicit path or {@code ETCD_BIN} that does not name an executable fails at once rather
 * than falling through: someone asked for that binary, and silently running another etcd would
 * hide the mistake.
 */
final class EtcdBinary {
  static final String PROPERTY = "ETCD_BIN";
  private static final List<Path> WELL_KNOWN = List.of(Path.of("/usr/bin/etcd"), Path.of("/usr/local/bin/etcd"));

  private EtcdBinary() {}

  /** Locates etcd using this JVM's system properties and environment. */
  static Path locate(Path explicit) {
    return locate(explicit, System.getProperty(PROPERTY), System.getenv());
  }

  /** Locates etcd; the property value and environment are parameters so tests need not mutate either. */
  static Path locate(Path explicit, String property, Map<String, String> env) {
    return locate(explicit, property, env, WELL_KNOWN);
  }

  /** As above, with the well-known locations a parameter so the not-found path is testable anywhere. */
  static Path locate(Path explicit, String property, Map<String, String> env, List<Path> wellKnown) {
    if (explicit != null) {
      return requireExecutable(explicit, "the path given to the builder");
    }
    if (property != null && !property.isBlank()) {
      return requireExecutable(Path.of(property), "system property " + PROPERTY);
    }
    String fromEnv = env.get(PROPERTY);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return requireExecutable(Path.of(fromEnv), "environment variable " + PROPERTY);
    }
    List<Path> candidates = new ArrayList<>();
    String path = env.get("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          candidates.add(Path.of(dir, "etcd"));
        }
      }
    }
    candidates.addAll(wellKnown);
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new EtcdUnavailableException("etcd binary not found on PATH or at " + wellKnown + ". " + howToInstall());
  }

  private static Path requireExecutable(Path binary, String source) {
    if (Files.isRegularFile(binary) && Files.isExecutable(binary)) {
      return binary;
    }
    throw new EtcdUnavailableException(
        "etcd binary " + binary + " (from " + source + ") does not exist or is not executable. " + howToInstall());
  }

  static String howToInstall() {
    // Debian/Ubuntu package etcd-server ships /usr/bin/etcd (3.4.23 on Debian 12).
    String sudo = "root".equals(System.getProperty("user.name")) ? "" : "sudo ";
    return "Install etcd with: " + sudo + "apt-get update && " + sudo + "apt-get install -y etcd-server"
        + " , or set the " + PROPERTY + " system property or environment variable to the path of an etcd binary.";
  }
}
