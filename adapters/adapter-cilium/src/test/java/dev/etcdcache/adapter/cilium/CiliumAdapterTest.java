package dev.etcdcache.adapter.cilium;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CiliumAdapterTest {

  private final CiliumAdapter adapter = CiliumAdapter.create();

  @Test
  void decode_everyFixtureRecord_yieldsTheRecordOfItsKeyAndEncodesBackToItsKey() {
    List<Fixtures.Record> records = Fixtures.allStored();
    assertThat(records).hasSize(9 + 27 + 3 + 1 + 3 + 1);
    for (Fixtures.Record r : records) {
      CiliumObject o = adapter.decode(bytes(r.key()), r.value());
      assertThat(adapter.accept(bytes(r.key()), o)).as(r.key()).isTrue();
      assertThat(adapter.keys().keyOf(o)).as(r.file() + " " + r.key()).isEqualTo(r.key());
      String expectedKind = switch (r.file()) {
        case "identities.jsonl" -> "identity";
        case "ip-identities.jsonl" -> "ip";
        case "nodes.jsonl", "nodes-legacy-docs.jsonl" -> "node";
        case "services.jsonl" -> "service";
        default -> "cluster-config";
      };
      assertThat(CiliumAdapter.kindOf(o)).as(r.key()).isEqualTo(expectedKind);
    }
  }

  @Test
  void encode_currentFormatFixtures_givesBackTheExactStoredBytes() {
    for (String file : List.of("identities.jsonl", "ip-identities.jsonl", "nodes.jsonl", "services.jsonl",
        "cluster-config.jsonl")) {
      for (Fixtures.Record r : Fixtures.read(file)) {
        CiliumObject o = adapter.decode(bytes(r.key()), r.value());
        assertThat(new String(adapter.encode(o), StandardCharsets.UTF_8)).as(r.key()).isEqualTo(r.valueString());
        assertThat(adapter.decode(bytes(r.key()), adapter.encode(o))).isEqualTo(o);
      }
    }
  }

  @Test
  void decode_identity_readsIdAndSortedLabels() {
    Fixtures.Record r = Fixtures.read("identities.jsonl").get(0);
    SecurityIdentity s = (SecurityIdentity) adapter.decode(bytes(r.key()), r.value());
    assertThat(s.id()).isEqualTo(196915);
    assertThat(s.labels().labels()).containsExactly(
        "k8s:app=baz", "k8s:io.cilium.k8s.policy.cluster=cluster3", "k8s:io.kubernetes.pod.namespace=bar");
    assertThat(s.labels()).isEqualTo(LabelSet.of(
        "k8s:io.kubernetes.pod.namespace=bar", "k8s:app=baz", "k8s:io.cilium.k8s.policy.cluster=cluster3"));
  }

  @Test
  void decode_ipv6EntryWithNamedPorts_readsEveryField() {
    Fixtures.Record r = Fixtures.read("ip-identities.jsonl").get(3);
    IpIdentity ip = (IpIdentity) adapter.decode(bytes(r.key()), r.value());
    assertThat(ip.addressSpace()).isEqualTo("default");
    assertThat(ip.prefix()).isEqualTo(IpPrefix.parse("fd00:10:244:2::e024/128"));
    assertThat(ip.prefix().isHost()).isTrue();
    assertThat(ip.ip()).isEqualTo("fd00:10:244:2::e024");
    assertThat(ip.hostIp()).isEqualTo("172.18.0.2");
    assertThat(ip.id()).isEqualTo(199475);
    assertThat(ip.encryptionKey()).isEqualTo(5);
    assertThat(ip.mask()).isNull();
    assertThat(ip.k8sNamespace()).isEqualTo("bar");
    assertThat(ip.k8sPodName()).isEqualTo("cep-002");
    assertThat(ip.k8sPodUid()).isEqualTo("cep-pod-uid");
    assertThat(ip.k8sServiceAccount()).isEqualTo("default");
    assertThat(ip.namedPorts()).containsExactly(new NamedPort("http", 8080, "TCP"), new NamedPort("dns", 53, "UDP"));
  }

  @Test
  void decode_cidrEntryWithMaskAndUnknownFields_keyGivesThePrefix() {
    String value = "{\"IP\":\"10.0.0.0\",\"Mask\":\"/wAAAA==\",\"HostIP\":\"\",\"ID\":16777217,\"Key\":0,"
        + "\"Metadata\":\"\",\"SyncScope\":\"x\",\"Future\":{\"a\":[1,2]}}";
    IpIdentity ip = (IpIdentity) adapter.decode(bytes("cilium/state/ip/v1/default/10.0.0.0/8"), bytes(value));
    assertThat(ip.prefix()).isEqualTo(new IpPrefix(false, 0x0A00000000000000L, 0, 8));
    assertThat(ip.prefix().toString()).isEqualTo("10.0.0.0/8");
    assertThat(ip.mask()).isEqualTo("/wAAAA==");
    assertThat(ip.id()).isEqualTo(16777217);
  }

  @Test
  void decode_node_readsAddressesCidrsAndMaps() {
    Fixtures.Record r = Fixtures.read("nodes.jsonl").get(0);
    CiliumNode n = (CiliumNode) adapter.decode(bytes(r.key()), r.value());
    assertThat(n.name()).isEqualTo("test-node-1");
    assertThat(n.cluster()).isEqualTo("cluster3");
    assertThat(n.keyCluster()).isEqualTo("cluster3");
    assertThat(n.addresses()).hasSize(4).contains(new NodeAddress("CiliumInternalIP", "10.244.0.10"));
    assertThat(n.ipv4AllocCidr().prefix()).isEqualTo(IpPrefix.parse("10.244.0.0/24"));
    assertThat(n.ipv6AllocCidr().prefix()).isEqualTo(IpPrefix.parse("fd00:10:244::/64"));
    assertThat(n.ipv4HealthIp()).isEqualTo("10.244.0.134");
    assertThat(n.clusterId()).isEqualTo(3);
    assertThat(n.source()).isEqualTo("custom-resource");
    assertThat(n.labels()).isEqualTo(Map.of("kubernetes.io/hostname", "test-node-1"));
    assertThat(n.annotations()).containsKey("network.cilium.io/wg-pub-key");
    assertThat(n.bootId()).isEqualTo("570d3fd1-93db-4862-ba99-6a3c2c10c38f");
    assertThat(n.allAddresses()).contains(IpPrefix.parse("172.18.0.2"), IpPrefix.parse("fd00:10:244::d812"));
  }

  @Test
  void decode_legacyDocsNode_readsAddressTypeAsType() {
    Fixtures.Record r = Fixtures.read("nodes-legacy-docs.jsonl").get(0);
    CiliumNode n = (CiliumNode) adapter.decode(bytes(r.key()), r.value());
    assertThat(n.name()).isEqualTo("runtime1");
    assertThat(n.cluster()).isEmpty();
    assertThat(n.addresses()).containsExactly(new NodeAddress("InternalIP", "10.0.2.15"));
    assertThat(n.ipv4AllocCidr().prefix()).isEqualTo(IpPrefix.parse("10.11.0.0/16"));
    assertThat(n.ipv6AllocCidr().prefix()).isEqualTo(IpPrefix.parse("f00d::a0f:0:0:0/112"));
  }

  @Test
  void decode_service_readsFrontendsBackendsAndFlags() {
    Fixtures.Record r = Fixtures.read("services.jsonl").get(2);
    ClusterService s = (ClusterService) adapter.decode(bytes(r.key()), r.value());
    assertThat(s.namespace()).isEqualTo("ns-beta");
    assertThat(s.frontends()).isEqualTo(Map.of("10.96.0.20", Map.of("http", new L4Addr("TCP", 80))));
    assertThat(s.backends()).isEqualTo(Map.of("10.244.2.10", Map.of("http", new L4Addr("TCP", 8080))));
    assertThat(s.selector()).isEqualTo(Map.of("app", "echo"));
    assertThat(s.includeExternal()).isTrue();
    assertThat(s.shared()).isTrue();
    assertThat(s.clusterId()).isEqualTo(3);
  }

  @Test
  void decode_clusterConfig_readsCapabilities() {
    Fixtures.Record r = Fixtures.read("cluster-config.jsonl").get(0);
    assertThat(adapter.decode(bytes(r.key()), r.value())).isEqualTo(new ClusterConfig("cluster3", 3, true, 255, false));
  }

  @Test
  void decode_identityReverseKey_splitsLabelsFromNodeAtTheLastSlash() {
    String key = "cilium/state/identities/v1/value/k8s:app.kubernetes.io/name=web;k8s:io.kubernetes.pod.namespace=bar;/172.18.0.2";
    IdentityReference r = (IdentityReference) adapter.decode(bytes(key), bytes("199472"));
    assertThat(r.labels()).isEqualTo(LabelSet.of("k8s:app.kubernetes.io/name=web", "k8s:io.kubernetes.pod.namespace=bar"));
    assertThat(r.nodeSuffix()).isEqualTo("172.18.0.2");
    assertThat(r.id()).isEqualTo(199472);
    assertThat(adapter.keys().keyOf(r)).isEqualTo(key);
  }

  @Test
  void decode_endpointSlice_isUnsupportedWithItsReasonAndKept() {
    byte[] key = bytes("cilium/state/endpointslices/v1/cluster3/test/echo-kvlm2");
    byte[] zstd = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x00, 0x01};
    UnsupportedValue u = (UnsupportedValue) adapter.decode(key, zstd);
    assertThat(u.kind()).isEqualTo("endpointslices/v1");
    assertThat(u.reason()).contains("zstd-compressed protobuf");
    assertThat(u.size()).isEqualTo(6);
    assertThat(adapter.accept(key, u)).isTrue();
    assertThatThrownBy(() -> adapter.encode(u)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void accept_heartbeatSyncMarkersAndLocks_areNotKept() {
    for (String key : List.of("cilium/.heartbeat", "cilium/synced/cluster3/cilium/state/ip/v1",
        "cilium/.initlock/abc/123", "cilium/state/identities/v1/locks/k8s:a=b;/x")) {
      assertThat(adapter.accept(bytes(key), adapter.decode(bytes(key), bytes("x")))).as(key).isFalse();
    }
  }

  @Test
  void decode_malformedValues_throwIllegalArgument() {
    assertThatThrownBy(() -> adapter.decode(bytes("cilium/state/ip/v1/default/10.0.0.1"), bytes("{not json")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> adapter.decode(bytes("cilium/state/ip/v1/default/10.0.0.1"), bytes("{\"ID\":-1}")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> adapter.decode(bytes("cilium/state/ip/v1/default/not-an-ip"), bytes("{}")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> adapter.decode(bytes("cilium/state/identities/v1/id/12x"), bytes("k8s:a=b;")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> adapter.decode(bytes("cilium/state/identities/v1/id/12"), bytes("k8s:a=b")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keys_customStatePrefix_movesEveryAreaAndTheViewPrefix() {
    CiliumKeys keys = CiliumKeys.withStatePrefix("mesh/state/");
    assertThat(keys.clusterConfigPrefix()).isEqualTo("mesh/cluster-config/");
    assertThat(keys.viewPrefix()).isEqualTo("mesh/");
    assertThat(CiliumKeys.DEFAULT.viewPrefix()).isEqualTo("cilium/");
    CiliumAdapter custom = CiliumAdapter.create(keys);
    Fixtures.Record r = Fixtures.read("ip-identities.jsonl").get(0);
    String moved = r.key().replace("cilium/state/", "mesh/state/");
    assertThat(custom.keys().keyOf(custom.decode(bytes(moved), r.value()))).isEqualTo(moved);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
