package dev.etcdcache.adapter.kubernetes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The shared real-data fixtures, resolved from the {@code fixtures.dir} the root pom passes to surefire. */
final class Fixtures {

  static final Path ROOT = Path.of(System.getProperty("fixtures.dir", "../../../shared/fixtures"));
  static final Path KUBERNETES = ROOT.resolve("kubernetes");
  static final Path API_TESTDATA = KUBERNETES.resolve("k8s-api-testdata/v1.36.0");

  /** The ten kinds of Kubernetes' v1.36.0 round-trip fixtures: file stem, apiVersion, kind. */
  static final List<String[]> API_KINDS = List.of(
      new String[] {"core.v1.Pod", "v1", "Pod"},
      new String[] {"core.v1.ConfigMap", "v1", "ConfigMap"},
      new String[] {"core.v1.Namespace", "v1", "Namespace"},
      new String[] {"core.v1.Node", "v1", "Node"},
      new String[] {"core.v1.Service", "v1", "Service"},
      new String[] {"core.v1.Secret", "v1", "Secret"},
      new String[] {"core.v1.Endpoints", "v1", "Endpoints"},
      new String[] {"apps.v1.Deployment", "apps/v1", "Deployment"},
      new String[] {"coordination.k8s.io.v1.Lease", "coordination.k8s.io/v1", "Lease"},
      new String[] {"discovery.k8s.io.v1.EndpointSlice", "discovery.k8s.io/v1", "EndpointSlice"});

  private Fixtures() {}

  static byte[] bytes(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new UncheckedIOException("fixture missing: " + path.toAbsolutePath(), e);
    }
  }

  static byte[] kubernetes(String relative) {
    return bytes(KUBERNETES.resolve(relative));
  }

  static List<String> lines(Path path) {
    try {
      return Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("fixture missing: " + path.toAbsolutePath(), e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
