package dev.etcdcache.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.etcdcache.adapter.cilium.CiliumAdapter;
import dev.etcdcache.adapter.cilium.CiliumObject;
import dev.etcdcache.adapter.json.JsonAdapter;
import dev.etcdcache.adapter.kubernetes.KubeObject;
import dev.etcdcache.adapter.kubernetes.KubernetesAdapter;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.core.CachingClient;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A known workload for the shipped adapters' meters: Kubernetes objects in two namespaces and one
 * cluster-scoped, an encrypted secret, two undecodable values; Cilium identities and IP-cache
 * entries of three families and lengths; JSON values that do not bind or do not parse. Every adapter
 * meter gets at least one series. The expected values are in {@link AdapterMetricsTest}.
 */
final class AdapterWorkload {

  /** What a JSON view binds its values to; a string where an int is wanted fails at /replicas. */
  record Deployment(String name, int replicas) {}

  private AdapterWorkload() {
  }

  /** Empties etcd, writes the starting objects, opens the four views, changes them, waits for them. */
  static void run(KV etcd, CachingClient cache) throws Exception {
    ByteSequence all = bytes("\0");
    etcd.delete(all, DeleteOption.builder().withRange(all).build()).get();
    put(etcd, "/registry/pods/ns-a/p1", pod("p1", "ns-a", "1"));
    put(etcd, "/registry/pods/ns-a/p2", pod("p2", "ns-a", "1"));
    put(etcd, "/registry/pods/ns-a/p3", pod("p3", "ns-a", "1"));
    put(etcd, "/registry/pods/ns-b/p1", pod("p1", "ns-b", "1"));
    put(etcd, "/registry/namespaces/ns-a", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"ns-a\"}}");
    put(etcd, "cilium/state/identities/v1/id/1001", "k8s:app=a;");
    put(etcd, "cilium/state/ip/v1/default/10.0.0.1", ip("10.0.0.1", 1001));
    put(etcd, "apps/d1", "{\"name\":\"d1\",\"replicas\":2}");
    assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
    // A linearizable Get: the mirror holds every write above, so each view's first build sees
    // exactly these objects (as created) and nothing from before the delete.
    cache.getKVClient().get(bytes("apps/d1")).get(30, TimeUnit.SECONDS);

    KubernetesAdapter kube = KubernetesAdapter.standard();
    CiliumAdapter cilium = CiliumAdapter.create();
    CacheView<KubeObject> pods = cache.view("/registry/", kube);
    CacheView<CiliumObject> cil = cache.view(cilium.keys().viewPrefix(), cilium);
    CacheView<Deployment> apps = cache.view("apps/", JsonAdapter.of(Deployment.class).build());
    CacheView<JsonNode> trees = cache.view("trees/", JsonAdapter.tree().build());
    pods.snapshot().get(30, TimeUnit.SECONDS);

    put(etcd, "/registry/pods/ns-a/p1", pod("p1", "ns-a", "2"));
    etcd.delete(bytes("/registry/pods/ns-a/p3")).get();
    put(etcd, "/registry/pods/ns-b/p2", pod("p2", "ns-b", "1"));
    put(etcd, "/registry/secrets/ns-a/s1", "k8s:enc:aescbc:v1:key1:\u0001\u0002");
    put(etcd, "/registry/configmaps/ns-a/garbage", "not an object");
    put(etcd, "/registry/configmaps/ns-a/broken", "{\"apiVersion\":");
    put(etcd, "cilium/state/identities/v1/id/1002", "k8s:app=b;");
    put(etcd, "cilium/state/identities/v1/id/1001", "k8s:app=a2;");
    put(etcd, "cilium/state/ip/v1/default/10.0.0.2", ip("10.0.0.2", 1002));
    put(etcd, "cilium/state/ip/v1/default/10.1.0.0/16", ip("10.1.0.0", 1002));
    put(etcd, "cilium/state/ip/v1/default/fd00::1", ip("fd00::1", 1001));
    etcd.delete(bytes("cilium/state/ip/v1/default/10.0.0.1")).get();
    put(etcd, "apps/d2", "{\"name\":\"d2\",\"replicas\":\"many\"}");
    put(etcd, "apps/d3", "not json");
    put(etcd, "trees/t1", "[1,");
    // A linearizable snapshot of each view waits until it has applied every write above.
    for (CacheView<?> v : new CacheView<?>[] {pods, cil, apps, trees}) {
      v.snapshot().get(30, TimeUnit.SECONDS);
    }
  }

  private static String pod(String name, String namespace, String generation) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\""
        + namespace + "\",\"generation\":" + generation + "}}";
  }

  private static String ip(String address, long id) {
    return "{\"IP\":\"" + address + "\",\"HostIP\":\"172.18.0.2\",\"ID\":" + id + ",\"Key\":0,\"Metadata\":\"\"}";
  }

  static void put(KV etcd, String key, String value) throws Exception {
    etcd.put(bytes(key), bytes(value)).get(30, TimeUnit.SECONDS);
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
