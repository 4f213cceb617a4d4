package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module's public types, found by scanning its compiled classes, so that a new public type is
 * a reviewed decision (STYLE.md 5.2).
 */
class ApiSurfaceTest {

  @Test
  void publicTypes_areExactlyBPlusTreeBatchAndEntryVisitor() throws Exception {
    Path dir =
        Path.of(BPlusTree.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("dev/etcdcache/btree");
    List<String> names;
    try (Stream<Path> files = Files.list(dir)) {
      names =
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
              .map(n -> n.substring(0, n.length() - ".class".length()))
              .collect(Collectors.toList());
    }
    assertThat(names).contains("BPlusTree", "Leaf", "Inner");
    List<String> publicTypes =
        names.stream()
            .filter(n -> Modifier.isPublic(load(n).getModifiers()))
            .collect(Collectors.toList());
    assertThat(publicTypes).containsExactlyInAnyOrder("BPlusTree", "Batch", "EntryVisitor");
  }

  @Test
  void publicClasses_areFinal() {
    assertThat(Modifier.isFinal(BPlusTree.class.getModifiers())).isTrue();
    assertThat(Modifier.isFinal(Batch.class.getModifiers())).isTrue();
  }

  private static Class<?> load(String simpleName) {
    try {
      return Class.forName("dev.etcdcache.btree." + simpleName.replace('/', '.'));
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }
}
