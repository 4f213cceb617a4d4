package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.ApiSurface;
import org.junit.jupiter.api.Test;

/**
 * The module's exported packages and their public types. A new public type or export fails this
 * test until it is added here: widening the API is a reviewed decision.
 */
class ApiSurfaceTest {

  private final ApiSurface surface = ApiSurface.of(BPlusTree.class);

  @Test
  void moduleInfo_exportsOnlyTheApiPackages() {
    assertThat(surface.exportedPackages()).containsExactly(
        "dev.etcdcache.btree");
  }

  @Test
  void exportedPackages_holdOnlyTheAnnouncedPublicTypes() {
    assertThat(surface.publicTypes()).containsExactlyInAnyOrder(
        "dev.etcdcache.btree.BPlusTree",
        "dev.etcdcache.btree.Batch",
        "dev.etcdcache.btree.EntryVisitor");
  }

  @Test
  void publicClasses_areFinal() {
    assertThat(java.lang.reflect.Modifier.isFinal(BPlusTree.class.getModifiers())).isTrue();
    assertThat(java.lang.reflect.Modifier.isFinal(Batch.class.getModifiers())).isTrue();
  }
}
