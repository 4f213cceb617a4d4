package dev.etcdcache.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.ApiSurface;
import org.junit.jupiter.api.Test;

/**
 * The module's exported packages and their public types. A new public type or export fails this
 * test until it is added here: widening the API is a reviewed decision.
 */
class ApiSurfaceTest {

  private final ApiSurface surface = ApiSurface.of(EtcdCacheMetrics.class);

  @Test
  void moduleInfo_exportsOnlyTheApiPackages() {
    assertThat(surface.exportedPackages()).containsExactly(
        "dev.etcdcache.metrics");
  }

  @Test
  void exportedPackages_holdOnlyTheAnnouncedPublicTypes() {
    assertThat(surface.publicTypes()).containsExactlyInAnyOrder(
        "dev.etcdcache.metrics.EtcdCacheMetrics",
        "dev.etcdcache.metrics.MicrometerAdapterMetrics",
        "dev.etcdcache.metrics.MicrometerStatsRecorder");
  }
}
