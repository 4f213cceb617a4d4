package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The module's public types, listed so that a new one is a reviewed decision. */
class ApiSurfaceTest {

  @Test
  void publicTypes_areExactlyTheDocumentedOnes() {
    List<Class<?>> all =
        List.of(
            BPlusTree.class,
            Batch.class,
            EntryVisitor.class,
            Node.class,
            Leaf.class,
            Inner.class,
            KeyOrder.class,
            Mutation.class,
            Walk.class);
    Stream<String> publicOnes =
        all.stream().filter(c -> Modifier.isPublic(c.getModifiers())).map(Class::getSimpleName);
    assertThat(publicOnes).containsExactlyInAnyOrder("BPlusTree", "Batch", "EntryVisitor");
  }

  @Test
  void publicClasses_areFinal() {
    assertThat(Modifier.isFinal(BPlusTree.class.getModifiers())).isTrue();
    assertThat(Modifier.isFinal(Batch.class.getModifiers())).isTrue();
  }
}
