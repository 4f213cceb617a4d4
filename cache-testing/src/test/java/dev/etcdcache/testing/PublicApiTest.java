package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Making a type public is a reviewed decision: this list changes with it. */
class PublicApiTest {
  @Test
  void publicTypes_areExactlyTheDocumentedApi() throws Exception {
    Path classes = Path.of(EtcdCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("dev/etcdcache/testing");
    Set<String> publicTypes;
    try (Stream<Path> files = Files.list(classes)) {
      publicTypes = files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
          .map(n -> load("dev.etcdcache.testing." + n.substring(0, n.length() - ".class".length())))
          .filter(c -> Modifier.isPublic(c.getModifiers()))
          .map(c -> c.getName().substring("dev.etcdcache.testing.".length()))
          .collect(Collectors.toSet());
    }

    assertThat(publicTypes).containsExactlyInAnyOrder(
        "EtcdCluster", "EtcdCluster$Builder", "EtcdMember", "EtcdMetrics", "EtcdExtension", "EtcdExtension$Builder",
        "FaultProxy", "EtcdUnavailableException");
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, PublicApiTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }
}
