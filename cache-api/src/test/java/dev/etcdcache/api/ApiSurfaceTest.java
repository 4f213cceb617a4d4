package dev.etcdcache.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.ApiSurface;
import org.junit.jupiter.api.Test;

/**
 * The module's exported packages and their public types. A new public type or export fails this
 * test until it is added here: widening the API is a reviewed decision.
 */
class ApiSurfaceTest {

  private final ApiSurface surface = ApiSurface.of(CacheStats.class);

  @Test
  void moduleInfo_exportsOnlyTheApiPackages() {
    assertThat(surface.exportedPackages()).containsExactly(
        "dev.etcdcache.api");
  }

  @Test
  void exportedPackages_holdOnlyTheAnnouncedPublicTypes() {
    assertThat(surface.publicTypes()).containsExactlyInAnyOrder(
        "dev.etcdcache.api.Adapter",
        "dev.etcdcache.api.AdapterMetrics",
        "dev.etcdcache.api.CacheClosedException",
        "dev.etcdcache.api.CacheEvent",
        "dev.etcdcache.api.CacheEventListener",
        "dev.etcdcache.api.CacheMemory",
        "dev.etcdcache.api.CacheOnDemand",
        "dev.etcdcache.api.CacheSnapshot",
        "dev.etcdcache.api.CacheStats",
        "dev.etcdcache.api.CacheStatus",
        "dev.etcdcache.api.CacheView",
        "dev.etcdcache.api.IndexDefinition",
        "dev.etcdcache.api.Query",
        "dev.etcdcache.api.ReadConsistency",
        "dev.etcdcache.api.Ticker");
  }
}
