package dev.etcdcache.server.clients;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where the third-party clients are, as scripts/ensure-clients.sh installs them from Debian. A
 * missing client fails the test with the install advice: these suites never skip.
 */
final class InstalledClients {
  /** Debian's python, which has python3-etcd3; the pyenv python on PATH does not. */
  static final Path PYTHON = Path.of("/usr/bin/python3");

  /** GOPATH sources of golang-etcd-server-dev (clientv3 and everything it imports). */
  static final Path DEBIAN_GOPATH = Path.of("/usr/share/gocode");

  private static final String ADVICE = " is missing: run scripts/ensure-clients.sh (it installs the Debian packages"
      + " etcd-client, python3-etcd3, golang-go, golang-etcd-server-dev)";

  private InstalledClients() {}

  /** The etcdctl executable (etcd-client 3.4.23). */
  static Path etcdctl() {
    return onPath("etcdctl");
  }

  /** The go executable (golang-go). */
  static Path go() {
    return onPath("go");
  }

  /** Debian's python3, checked to import etcd3 and grpc. */
  static Path pythonWithEtcd3() {
    if (!Files.isExecutable(PYTHON)) {
      throw new AssertionError(PYTHON + ADVICE);
    }
    ExternalCommand.Result probe = ExternalCommand.run(List.of(PYTHON.toString(), "-c", "import etcd3, grpc"),
        Map.of(), null, "", Duration.ofSeconds(60));
    if (probe.exitCode() != 0) {
      throw new AssertionError("python3-etcd3 for " + PYTHON + ADVICE + "\n" + probe.describe());
    }
    return PYTHON;
  }

  /** The GOPATH root of Debian's Go sources, checked to hold clientv3. */
  static Path debianGopath() {
    if (!Files.isRegularFile(DEBIAN_GOPATH.resolve("src/go.etcd.io/etcd/clientv3/client.go"))) {
      throw new AssertionError("clientv3 sources under " + DEBIAN_GOPATH + ADVICE);
    }
    return DEBIAN_GOPATH;
  }

  private static Path onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    for (String dir : List.of("/usr/bin", "/usr/local/bin")) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(name + ADVICE);
  }
}
