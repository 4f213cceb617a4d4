package dev.etcdcache.adapter.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.api.Query;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import dev.etcdcache.testing.EtcdMetrics;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.kubernetes.client.proto.V1;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A generated cluster of 20,000 pods over 100 namespaces and 1,000 nodes (the real Pod value, mutated,
 * under real key paths) in a real etcd, read through a typed view: after random creates, label and
 * phase updates, bindings of pending pods and deletes, every selector query answered by the view
 * equals a brute-force filter over a direct etcd read at the same revision, and 1,000 kubelet-style
 * node watchers ({@code spec.nodeName=node-i}) plus label watchers receive exactly the events
 * kube-apiserver would send them, enter (binding) and leave included, all served from the one
 * upstream watch the cache holds in etcd (read from etcd's own metrics).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GeneratedClusterTest {

  private static final int PODS = 20_000;
  private static final int NAMESPACES = 100;
  private static final int NODES = 1_000;
  private static final int OPS = 3_000;
  private static final int CHECK_EVERY = 1_000;
  private static final String PODS_PREFIX = "/registry/pods/";

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private final KubernetesAdapter adapter = KubernetesAdapter.standard();
  private final GeneratedCluster cluster = new GeneratedCluster(adapter, NAMESPACES, NODES);
  private final Random random = new Random(20261130L);
  /** What etcd holds now, decoded from the values written; the model the expectations come from. */
  private final TreeMap<String, KubeObject> model = new TreeMap<>();

  @Test
  void viewSelectorsAndWatches_afterRandomChurn_equalDirectEtcdAndKubeApiserverSemantics() throws Exception {
    KV kv = ETCD.client().getKVClient();
    cluster.load(kv, PODS, random);
    for (KubeObject pod : GeneratedCluster.readDirect(kv, adapter, PODS_PREFIX, 0)) {
      model.put(pod.key(), pod);
    }
    assertThat(model).hasSize(PODS);

    EtcdMetrics before = ETCD.metrics(0);
    double streams0 = before.value("etcd_debugging_mvcc_watch_stream_total");
    double watchers0 = before.value("etcd_debugging_mvcc_watcher_total");
    long t0 = System.nanoTime();
    try (CachingClient client = CachingClient.builder(ETCD.client()).build()) {
      assertThat(client.awaitReady(Duration.ofSeconds(60))).isTrue();
      CacheView<KubeObject> view = client.view(PODS_PREFIX, adapter);
      KubeList initial = adapter.select(null, "", "").list(view).get(60, TimeUnit.SECONDS);
      assertThat(initial.items()).hasSize(PODS);
      assertSameAsDirect(kv, view);

      List<Watcher> watchers = new ArrayList<>();
      for (int n = 0; n < NODES; n++) {
        watchers.add(new Watcher(adapter.select(null, null, "spec.nodeName=" + cluster.node(n))));
      }
      watchers.add(new Watcher(adapter.select(null, "app=app-3", null)));
      watchers.add(new Watcher(adapter.select(null, "app in (app-1,app-2),tier!=db", null)));
      watchers.add(new Watcher(adapter.select("ns-4", "canary", "status.phase=Running")));
      watchers.add(new Watcher(adapter.select(null, null, "spec.nodeName=")));
      List<AutoCloseable> handles = new ArrayList<>();
      for (Watcher w : watchers) {
        handles.add(w.selection.watch(view, initial.resourceVersion(), w));
      }
      assertUpstream("with the view and " + watchers.size() + " watchers open", streams0, watchers0);
      long t1 = System.nanoTime();

      int enters = 0;
      int leaves = 0;
      for (int op = 1; op <= OPS; op++) {
        Change change = randomChange(kv);
        for (Watcher w : watchers) {
          CacheEvent.Type expected = w.expect(change);
          if (expected == CacheEvent.Type.CREATED && change.before != null) {
            enters++;
          } else if (expected == CacheEvent.Type.DELETED && change.after != null) {
            leaves++;
          }
        }
        if (op % CHECK_EVERY == 0) {
          // The view hands every revision to each of its 1,004 watchers, which evaluate their query on
          // it (about 100 revisions/s on two cores, see KubeletFanOutHarness): let them catch up first, so
          // the snapshot's consistent read does not queue behind that backlog on the view's executor.
          awaitDeliveries(watchers);
          assertSameAsDirect(kv, view);
        }
      }
      assertThat(enters).as("objects entering a selector without being created").isPositive();
      assertThat(leaves).as("objects leaving a selector without being deleted").isPositive();

      awaitDeliveries(watchers);
      long events = 0;
      for (Watcher w : watchers) {
        assertThat(new ArrayList<>(w.received)).as(w.selection.toString()).containsExactlyElementsOf(w.expected);
        assertThat(w.failures).as(w.selection.toString()).isEmpty();
        events += w.expected.size();
      }
      assertThat(events).isGreaterThan(OPS);
      long nodeEvents = 0;
      int nodesWithEvents = 0;
      for (int n = 0; n < NODES; n++) {
        nodeEvents += watchers.get(n).expected.size();
        nodesWithEvents += watchers.get(n).expected.isEmpty() ? 0 : 1;
      }
      assertThat(nodesWithEvents).as("node watchers that got events").isGreaterThan(NODES / 2);
      assertUpstream("after " + OPS + " writes and " + events + " deliveries", streams0, watchers0);
      System.out.printf("generated cluster: %d pods, %d nodes; %d node watchers + %d others; %d ops, %d enters, %d leaves;"
              + " %d deliveries (%d to node watchers, %d of %d nodes had events); view + list %d ms, churn + delivery %d ms%n",
          PODS, NODES, NODES, watchers.size() - NODES, OPS, enters, leaves, events, nodeEvents, nodesWithEvents, NODES,
          TimeUnit.NANOSECONDS.toMillis(t1 - t0), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1));
      for (AutoCloseable h : handles) {
        h.close();
      }
      assertThat(view.decodeFailures()).isZero();
    }
  }

  private static void awaitDeliveries(List<Watcher> watchers) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (watchers.stream().anyMatch(w -> w.received.size() < w.expected.size()) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /** The cache holds exactly one watch stream and one watcher in etcd, however many watches it serves. */
  private static void assertUpstream(String when, double streams0, double watchers0) {
    EtcdMetrics now = ETCD.metrics(0);
    double streams = now.value("etcd_debugging_mvcc_watch_stream_total") - streams0;
    double watchers = now.value("etcd_debugging_mvcc_watcher_total") - watchers0;
    System.out.printf("upstream %s: etcd watch streams +%.0f, watchers +%.0f%n", when, streams, watchers);
    assertThat(streams).as("watch streams the cache holds in etcd " + when).isEqualTo(1.0);
    assertThat(watchers).as("watchers the cache holds in etcd " + when).isEqualTo(1.0);
  }

  /** One random API-server-like write; returns the model change with its revision. */
  private Change randomChange(KV kv) throws Exception {
    int dice = random.nextInt(100);
    String key;
    KubeObject before;
    V1.Pod pod;
    if (dice < 20 || model.isEmpty()) {
      String ns = cluster.namespace(random.nextInt(NAMESPACES));
      String name = "new-" + random.nextInt(1_000_000);
      key = cluster.key(ns, name);
      before = model.get(key);
      boolean pending = random.nextInt(3) == 0;
      pod = cluster.pod(ns, name, random.nextInt(100), cluster.randomLabels(random),
          pending ? "" : cluster.node(random.nextInt(NODES)), pending ? "Pending" : "Running");
    } else {
      key = randomKey(dice >= 60 && dice < 75);
      before = model.get(key);
      if (dice >= 80) {
        long revision = kv.delete(GeneratedCluster.bytes(key)).get().getHeader().getRevision();
        model.remove(key);
        return new Change(key, before, null, revision);
      }
      V1.Pod.Builder b = before.typed(V1.Pod.class).orElseThrow().toBuilder();
      if (dice < 45) {
        b.getMetadataBuilder().clearLabels().putAllLabels(cluster.randomLabels(random));
      } else if (dice < 60) {
        b.getStatusBuilder().setPhase(GeneratedCluster.PHASES[random.nextInt(GeneratedCluster.PHASES.length)]);
      } else {
        // A binding: the scheduler sets spec.nodeName of a pending pod once.
        b.getSpecBuilder().setNodeName(cluster.node(random.nextInt(NODES)));
        b.getStatusBuilder().setPhase("Running");
      }
      pod = b.build();
    }
    String[] parts = key.substring(PODS_PREFIX.length()).split("/");
    byte[] value = cluster.value(parts[0], parts[1], pod);
    long revision = kv.put(GeneratedCluster.bytes(key), ByteSequence.from(value)).get().getHeader().getRevision();
    KubeObject after = adapter.decode(GeneratedCluster.bytes(key).getBytes(), value, revision);
    model.put(key, after);
    return new Change(key, before, after, revision);
  }

  private String randomKey(boolean pending) {
    if (pending) {
      List<String> unbound = model.values().stream()
          .filter(o -> o.typed(V1.Pod.class).orElseThrow().getSpec().getNodeName().isEmpty())
          .map(KubeObject::key).toList();
      if (!unbound.isEmpty()) {
        return unbound.get(random.nextInt(unbound.size()));
      }
    }
    String probe = model.ceilingKey(cluster.key(cluster.namespace(random.nextInt(NAMESPACES)), "pod-" + random.nextInt(PODS)));
    return probe != null ? probe : model.firstKey();
  }

  /** Every selector query of the view, against a brute-force filter over etcd at the view's revision. */
  private void assertSameAsDirect(KV kv, CacheView<KubeObject> view) throws Exception {
    CacheSnapshot<KubeObject> snapshot = view.snapshot().get(60, TimeUnit.SECONDS);
    List<KubeObject> direct = GeneratedCluster.readDirect(kv, adapter, PODS_PREFIX, snapshot.revision());
    assertThat(snapshot.size()).isEqualTo(direct.size());

    List<Selection> selections = new ArrayList<>(List.of(
        adapter.select("ns-3", "", ""),
        adapter.select(null, "app=app-3", ""),
        adapter.select(null, "app in (app-1,app-2),tier!=db", ""),
        adapter.select(null, "canary", ""),
        adapter.select("ns-5", "!canary", ""),
        adapter.select(null, "tier notin (web)", "status.phase=Running"),
        adapter.select(null, "", "spec.nodeName=node-7"),
        adapter.select(null, "", "spec.nodeName="),
        adapter.select(null, "", "status.phase=Running,spec.nodeName=node-3"),
        adapter.select("ns-1", "app==app-1", "status.phase!=Running"),
        adapter.select(null, "", "metadata.name=pod-42"),
        adapter.select("ns-2", "", "metadata.namespace=ns-2"),
        adapter.select(null, "app", "spec.restartPolicy=OnFailure")));
    for (int i = 0; i < 20; i++) {
      selections.add(adapter.select(random.nextBoolean() ? null : cluster.namespace(random.nextInt(NAMESPACES)),
          "app=app-" + random.nextInt(20), "spec.nodeName=" + cluster.node(random.nextInt(NODES))));
    }
    for (Selection selection : selections) {
      List<KubeObject> expected = direct.stream().filter(selection::matches).toList();
      assertThat(selection.list(snapshot)).as(selection.toString()).containsExactlyElementsOf(expected);
    }
    String owner = cluster.ownerUid("ns-6", 3);
    assertThat(snapshot.keys(Query.eq(adapter.ownerIndex(), owner))).containsExactlyElementsOf(direct.stream()
        .filter(o -> o.ownerReferences().stream().anyMatch(r -> r.uid().equals(owner))).map(KubeObject::key).toList());
    Map<String, Integer> perNode = new HashMap<>();
    direct.forEach(o -> perNode.merge(FieldPaths.resolve(o, "spec.nodeName"), 1, Integer::sum));
    for (int n = 0; n < NODES; n += 50) {
      assertThat(snapshot.count(Query.eq(adapter.fieldIndex(), "spec.nodeName=" + cluster.node(n))))
          .isEqualTo(perNode.getOrDefault(cluster.node(n), 0));
    }
  }

  /** One write as the model saw it. */
  private record Change(String key, KubeObject before, KubeObject after, long revision) {}

  /** A watch and what it received and should receive, as (type, key, revision, resourceVersion). */
  private static final class Watcher implements CacheEventListener<KubeObject> {
    final Selection selection;
    final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
    final List<String> expected = new ArrayList<>();
    final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

    Watcher(Selection selection) {
      this.selection = selection;
    }

    @Override
    public void onEvent(CacheEvent<KubeObject> event) {
      long rv = event.object() == null ? -1 : event.object().resourceVersion();
      received.add(event.type() + " " + event.key() + " @" + event.revision() + " rv=" + rv);
    }

    @Override
    public void onError(Throwable failure) {
      failures.add(failure);
    }

    /** kube-apiserver's cacheWatcher rule on old and new states; records and returns the event type. */
    CacheEvent.Type expect(Change c) {
      boolean before = c.before != null && selection.matches(c.before);
      boolean after = c.after != null && selection.matches(c.after);
      CacheEvent.Type type = before && after ? CacheEvent.Type.UPDATED
          : after ? CacheEvent.Type.CREATED
          : before ? CacheEvent.Type.DELETED
          : null;
      if (type != null) {
        long rv = type == CacheEvent.Type.DELETED ? -1 : c.revision;
        expected.add(type + " " + c.key + " @" + c.revision + " rv=" + rv);
      }
      return type;
    }
  }
}
