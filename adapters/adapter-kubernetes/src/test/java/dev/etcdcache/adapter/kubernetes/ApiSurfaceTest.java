package dev.etcdcache.adapter.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The module's public top-level types, found by scanning its classes, so a new one is a reviewed decision. */
class ApiSurfaceTest {

  @Test
  void publicTypes_areTheAdapterItsValuesAndSelectors() throws Exception {
    Path dir = Path.of(KubernetesAdapter.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("dev/etcdcache/adapter/kubernetes");
    List<String> publicTypes;
    try (Stream<Path> files = Files.list(dir)) {
      publicTypes = files.map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".class") && !n.contains("$") && !n.equals("package-info.class"))
          .map(n -> n.substring(0, n.length() - ".class".length()))
          .filter(n -> Modifier.isPublic(load(n).getModifiers()))
          .toList();
    }
    assertThat(publicTypes).containsExactlyInAnyOrder("KubernetesAdapter", "KubeObject", "OwnerReference",
        "ValueEncoding", "ValueDecryptor", "DecodeCounts", "KeyLayout", "ResourceKey", "LabelSelector",
        "FieldSelector", "Selection", "KubeList");
  }

  @Test
  void publicClasses_areFinal() {
    for (Class<?> c : List.of(KubernetesAdapter.class, KeyLayout.class, LabelSelector.class, FieldSelector.class,
        Selection.class, KubernetesAdapter.Builder.class)) {
      assertThat(Modifier.isFinal(c.getModifiers())).as(c.getName()).isTrue();
    }
  }

  private static Class<?> load(String simpleName) {
    try {
      return Class.forName("dev.etcdcache.adapter.kubernetes." + simpleName);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
