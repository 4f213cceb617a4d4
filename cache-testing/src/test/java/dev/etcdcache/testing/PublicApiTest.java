package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Making a type public, or exporting a package, is a reviewed decision: this list changes with it. */
class PublicApiTest {

  private final ApiSurface surface = ApiSurface.of(EtcdCluster.class);

  @Test
  void moduleInfo_exportsOnlyTheTestingPackage() {
    assertThat(surface.exportedPackages()).containsExactly("dev.etcdcache.testing");
  }

  @Test
  void publicTypes_areExactlyTheDocumentedApi() {
    assertThat(surface.publicTypes()).containsExactlyInAnyOrder(
        "dev.etcdcache.testing.ApiSurface",
        "dev.etcdcache.testing.EtcdAuth",
        "dev.etcdcache.testing.EtcdCluster",
        "dev.etcdcache.testing.EtcdExtension",
        "dev.etcdcache.testing.EtcdMember",
        "dev.etcdcache.testing.EtcdMetrics",
        "dev.etcdcache.testing.EtcdUnavailableException",
        "dev.etcdcache.testing.FaultProxy",
        "dev.etcdcache.testing.TestCertificates");
  }
}
