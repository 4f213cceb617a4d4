package dev.etcdcache.adapter.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.ApiSurface;
import java.lang.reflect.Modifier;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The module's public top-level types, found by scanning its classes, so a new one is a reviewed decision. */
class ApiSurfaceTest {

  private final ApiSurface surface = ApiSurface.of(KubernetesAdapter.class);

  @Test
  void moduleInfo_exportsOnlyTheApiPackage() {
    assertThat(surface.exportedPackages()).containsExactly("dev.etcdcache.adapter.kubernetes");
  }

  @Test
  void publicTypes_areTheAdapterItsValuesAndSelectors() {
    assertThat(surface.publicTypes()).containsExactlyInAnyOrder(
        "dev.etcdcache.adapter.kubernetes.KubernetesAdapter",
        "dev.etcdcache.adapter.kubernetes.KubeObject",
        "dev.etcdcache.adapter.kubernetes.OwnerReference",
        "dev.etcdcache.adapter.kubernetes.ValueEncoding",
        "dev.etcdcache.adapter.kubernetes.ValueDecryptor",
        "dev.etcdcache.adapter.kubernetes.DecodeCounts",
        "dev.etcdcache.adapter.kubernetes.KeyLayout",
        "dev.etcdcache.adapter.kubernetes.ResourceKey",
        "dev.etcdcache.adapter.kubernetes.LabelSelector",
        "dev.etcdcache.adapter.kubernetes.FieldSelector",
        "dev.etcdcache.adapter.kubernetes.Selection",
        "dev.etcdcache.adapter.kubernetes.KubeList");
  }

  @Test
  void publicClasses_areFinal() {
    for (Class<?> c : List.of(KubernetesAdapter.class, KeyLayout.class, LabelSelector.class, FieldSelector.class,
        Selection.class, KubernetesAdapter.Builder.class)) {
      assertThat(Modifier.isFinal(c.getModifiers())).as(c.getName()).isTrue();
    }
  }
}
