package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.ApiSurface;
import org.junit.jupiter.api.Test;

/**
 * The module's exported packages and their public types. A new public type or export fails this
 * test until it is added here: widening the API is a reviewed decision.
 */
class ApiSurfaceTest {

  private final ApiSurface surface = ApiSurface.of(CachingClient.class);

  @Test
  void moduleInfo_exportsOnlyTheApiPackages() {
    assertThat(surface.exportedPackages()).containsExactly(
        "dev.etcdcache.core",
        "dev.etcdcache.core.stats");
  }

  @Test
  void exportedPackages_holdOnlyTheAnnouncedPublicTypes() {
    assertThat(surface.publicTypes()).containsExactlyInAnyOrder(
        "dev.etcdcache.core.CacheConfig",
        "dev.etcdcache.core.CacheWire",
        "dev.etcdcache.core.CachingClient",
        "dev.etcdcache.core.CachingKV",
        "dev.etcdcache.core.CachingWatch",
        "dev.etcdcache.core.ConsistencyReport",
        "dev.etcdcache.core.OnDemandPrefixes",
        "dev.etcdcache.core.ShadowReport",
        "dev.etcdcache.core.stats.StatsRecorder");
  }
}
