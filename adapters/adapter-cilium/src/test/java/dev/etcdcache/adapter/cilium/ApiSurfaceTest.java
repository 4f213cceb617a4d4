package dev.etcdcache.adapter.cilium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.ApiSurface;
import org.junit.jupiter.api.Test;

/**
 * The module's exported packages and their public types. A new public type or export fails this
 * test until it is added here: widening the API is a reviewed decision.
 */
class ApiSurfaceTest {

  private final ApiSurface surface = ApiSurface.of(CiliumAdapter.class);

  @Test
  void moduleInfo_exportsOnlyTheApiPackages() {
    assertThat(surface.exportedPackages()).containsExactly(
        "dev.etcdcache.adapter.cilium");
  }

  @Test
  void exportedPackages_holdOnlyTheAnnouncedPublicTypes() {
    assertThat(surface.publicTypes()).containsExactlyInAnyOrder(
        "dev.etcdcache.adapter.cilium.BackendZone",
        "dev.etcdcache.adapter.cilium.CiliumAdapter",
        "dev.etcdcache.adapter.cilium.CiliumCache",
        "dev.etcdcache.adapter.cilium.CiliumKeys",
        "dev.etcdcache.adapter.cilium.CiliumListener",
        "dev.etcdcache.adapter.cilium.CiliumNode",
        "dev.etcdcache.adapter.cilium.CiliumObject",
        "dev.etcdcache.adapter.cilium.CiliumState",
        "dev.etcdcache.adapter.cilium.ClusterConfig",
        "dev.etcdcache.adapter.cilium.ClusterService",
        "dev.etcdcache.adapter.cilium.IdentityChange",
        "dev.etcdcache.adapter.cilium.IdentityReference",
        "dev.etcdcache.adapter.cilium.IpIdentity",
        "dev.etcdcache.adapter.cilium.IpMappingChange",
        "dev.etcdcache.adapter.cilium.IpPrefix",
        "dev.etcdcache.adapter.cilium.L4Addr",
        "dev.etcdcache.adapter.cilium.LabelSet",
        "dev.etcdcache.adapter.cilium.NamedPort",
        "dev.etcdcache.adapter.cilium.NodeAddress",
        "dev.etcdcache.adapter.cilium.NodeCidr",
        "dev.etcdcache.adapter.cilium.SecurityIdentity",
        "dev.etcdcache.adapter.cilium.UnsupportedValue");
  }
}
