package dev.etcdcache.adapter.kubernetes;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A generated cluster built from the real Pod of auger's 2017 cluster: each pod is that value with
 * its name, namespace, uid, labels, owner, node and phase replaced, stored under the real key path,
 * through the adapter's own encoder (so the envelope is byte-compatible with kube-apiserver's).
 */
final class GeneratedCluster {

  static final String[] PHASES = {"Running", "Pending", "Succeeded", "Failed"};
  static final String[] TIERS = {"web", "db", "cache"};

  final int namespaces;
  final int nodes;
  final KubernetesAdapter adapter;
  private final V1.Pod template;
  private final KubeObject templateObject;

  GeneratedCluster(KubernetesAdapter adapter, int namespaces, int nodes) {
    this.adapter = adapter;
    this.namespaces = namespaces;
    this.nodes = nodes;
    this.templateObject = adapter.decode(Fixtures.utf8("/registry/pods/default/pi-dqtsw"),
        Fixtures.kubernetes("auger/etcd-values/pods_default_pi-dqtsw.bin"));
    this.template = templateObject.typed(V1.Pod.class).orElseThrow();
  }

  String namespace(int i) {
    return "ns-" + i;
  }

  String node(int i) {
    return "node-" + i;
  }

  String key(String namespace, String name) {
    return adapter.layout().key("", "pods", namespace, name);
  }

  /** A pod; {@code node} empty means pending (not yet bound). */
  V1.Pod pod(String namespace, String name, int serial, Map<String, String> labels, String node, String phase) {
    Meta.ObjectMeta.Builder meta = template.getMetadata().toBuilder()
        .setName(name)
        .setNamespace(namespace)
        .setUid("uid-" + namespace + "-" + name)
        .clearLabels()
        .putAllLabels(labels)
        .clearOwnerReferences()
        .addOwnerReferences(Meta.OwnerReference.newBuilder()
            .setApiVersion("apps/v1").setKind("ReplicaSet").setName("rs-" + (serial % 7))
            .setUid(ownerUid(namespace, serial % 7)).setController(true));
    V1.Pod.Builder pod = template.toBuilder().setMetadata(meta);
    pod.getSpecBuilder().setNodeName(node);
    pod.getStatusBuilder().setPhase(phase);
    return pod.build();
  }

  String ownerUid(String namespace, int replicaSet) {
    return "rs-uid-" + namespace + "-" + replicaSet;
  }

  Map<String, String> randomLabels(Random random) {
    Map<String, String> labels = new java.util.HashMap<>();
    labels.put("app", "app-" + random.nextInt(20));
    labels.put("tier", TIERS[random.nextInt(TIERS.length)]);
    if (random.nextInt(10) == 0) {
      labels.put("canary", "true");
    }
    return labels;
  }

  byte[] value(String namespace, String name, V1.Pod pod) {
    KubeObject object = new KubeObject(key(namespace, name), "v1", "Pod", namespace, name, pod.getMetadata().getUid(),
        Map.of(), Map.of(), List.of(), 0, ValueEncoding.PROTOBUF, pod, null, com.google.protobuf.ByteString.EMPTY, "");
    return adapter.encode(object);
  }

  /** Writes {@code count} pods with 128 puts per transaction (etcd's default --max-txn-ops). */
  void load(KV kv, int count, Random random) throws Exception {
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    List<Op> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String ns = namespace(i % namespaces);
      String name = "pod-" + i;
      boolean pending = random.nextInt(20) == 0;
      V1.Pod pod = pod(ns, name, i, randomLabels(random), pending ? "" : node(random.nextInt(nodes)),
          pending ? "Pending" : PHASES[random.nextInt(PHASES.length)]);
      batch.add(Op.put(bytes(key(ns, name)), ByteSequence.from(value(ns, name, pod)), PutOption.DEFAULT));
      if (batch.size() == 128 || i == count - 1) {
        inFlight.add(kv.txn().Then(batch.toArray(new Op[0])).commit());
        batch = new ArrayList<>();
        if (inFlight.size() == 8) {
          CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).get();
          inFlight.clear();
        }
      }
    }
    CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).get();
  }

  /**
   * The direct path: every key under {@code prefix} at {@code revision}, paged (jetcd's inbound
   * message limit is 4 MiB), decoded with its mod revision.
   */
  static List<KubeObject> readDirect(KV kv, KubernetesAdapter adapter, String prefix, long revision) throws Exception {
    List<KubeObject> objects = new ArrayList<>();
    ByteSequence end = bytes(prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1));
    ByteSequence from = bytes(prefix);
    while (true) {
      GetResponse page = kv.get(from, GetOption.builder().withRange(end).withLimit(1000).withRevision(revision).build()).get();
      for (KeyValue kv1 : page.getKvs()) {
        objects.add(adapter.decode(kv1.getKey().getBytes(), kv1.getValue().getBytes(), kv1.getModRevision()));
      }
      if (!page.isMore()) {
        return objects;
      }
      byte[] last = page.getKvs().get(page.getKvs().size() - 1).getKey().getBytes();
      from = ByteSequence.from(java.util.Arrays.copyOf(last, last.length + 1));
    }
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
