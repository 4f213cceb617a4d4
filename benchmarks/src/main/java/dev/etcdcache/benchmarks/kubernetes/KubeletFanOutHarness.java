package dev.etcdcache.benchmarks.kubernetes;

import dev.etcdcache.adapter.kubernetes.KubeObject;
import dev.etcdcache.adapter.kubernetes.KubernetesAdapter;
import dev.etcdcache.adapter.kubernetes.Selection;
import dev.etcdcache.adapter.kubernetes.ValueEncoding;
import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.EtcdMetrics;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The kubelet watch fan-out: 1,000 watchers, each asking for the pods of one node
 * ({@code spec.nodeName=node-i}), while an open-loop writer changes pods the way a cluster does.
 * A generated cluster (auger's real Pod value with name, namespace, labels, node and phase replaced,
 * stored under {@code /registry/pods/<ns>/<name>}, 5% pending) in a local etcd, then two paths:
 * <ul>
 *   <li><b>view</b>: one {@code CachingClient.view("/registry/pods/", KubernetesAdapter)}, 1,000
 *       {@link Selection#watch(CacheView, long, CacheEventListener)}s started at the view's revision;
 *       the writer runs at each {@code --runs RATE:SECONDS} in turn (default {@code 50:30,500:6}: a
 *       rate the view's fan-out sustains on two cores, then the 500 changes/s, short, since
 *       the view delivers well under that and the backlog must drain within the time budget);
 *   <li><b>direct jetcd</b>: what each kubelet would do against etcd without the cache: its own jetcd
 *       watch on the pod prefix, decoding every event and keeping the pods of its node (an event
 *       whose pod is now on the node is CREATED or UPDATED, one for a pod it held that is gone or
 *       elsewhere is DELETED). Every event reaches and is decoded by all 1,000 watchers, so this path
 *       runs at {@code --direct-rate} (default 5 changes/s; 500/s would be 500,000 decodes/s, far
 *       beyond two cores) for {@code --direct-seconds}; {@code --direct-seconds 0} skips it.
 * </ul>
 * The writer's changes: 35% a phase change of a bound pod (UPDATED to its node), 25% a relabel of a
 * random pod (UPDATED if bound), 20% a binding of a pending pod to a random node (the pod enters that
 * node's selection: CREATED), 15% a new pending pod (no kubelet), 5% a delete of a bound pod
 * (DELETED). Writes are asynchronous puts/deletes issued on an open-loop schedule (one pod is never
 * written twice concurrently). Delivery latency runs from the write's acknowledgement (the put's
 * response arriving at the writer) to the interested watcher's listener; a delivery that arrives
 * before the acknowledgement counts as 0 and its share is reported. Missed, duplicate and unexpected
 * (wrong node or wrong type) deliveries are counted against the writer's model; etcd's watch streams
 * and watchers are read from its {@code /metrics} ({@code etcd_debugging_mvcc_watch_stream_total},
 * {@code etcd_debugging_mvcc_watcher_total}) with all watchers open. Reported, never asserted.
 *
 * <p>Command (from the project root; defaults {@code --pods 50000 --nodes 1000 --runs 50:30,500:6
 * --direct-rate 5 --direct-seconds 20}, {@code --fixtures ../shared/fixtures} where the real Pod is):
 * <pre>
 * mvn -B -q -pl benchmarks -am install -DskipTests
 * java -Xmx4g -cp benchmarks/target/benchmarks.jar dev.etcdcache.benchmarks.kubernetes.KubeletFanOutHarness
 * </pre>
 */
public final class KubeletFanOutHarness {

  private static final String PODS = "/registry/pods/";
  private static final String[] PHASES = {"Running", "Succeeded", "Failed"};

  private final PrintStream out = System.out;
  private final int pods;
  private final int nodes;
  private final int namespaces;
  /** View runs, each {rate, seconds}. */
  private final List<int[]> runs;
  private final int directRate;
  private final int directSeconds;
  private final Path fixtures;
  private final KubernetesAdapter adapter = KubernetesAdapter.standard();
  private final Random random = new Random(1000);
  private final List<String> rows = new ArrayList<>();

  private V1.Pod template;
  /** The writer's model; touched only by the writer thread, except {@link Pod#inFlight}. */
  private final List<Pod> bound = new ArrayList<>();
  private final List<Pod> pending = new ArrayList<>();
  private final List<Pod> all = new ArrayList<>();
  private int serial;

  private KubeletFanOutHarness(int pods, int nodes, int namespaces, List<int[]> runs, int directRate,
      int directSeconds, Path fixtures) {
    this.pods = pods;
    this.nodes = nodes;
    this.namespaces = namespaces;
    this.runs = runs;
    this.directRate = directRate;
    this.directSeconds = directSeconds;
    this.fixtures = fixtures;
  }

  /** Runs the harness; see the class comment for options. */
  public static void main(String[] args) throws Exception {
    int pods = 50_000;
    int nodes = 1_000;
    List<int[]> runs = new ArrayList<>();
    int directRate = 5;
    int directSeconds = 20;
    Path fixtures = Path.of("../shared/fixtures");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--pods" -> pods = Integer.parseInt(args[++i]);
        case "--nodes" -> nodes = Integer.parseInt(args[++i]);
        case "--runs" -> {
          for (String run : args[++i].split(",")) {
            String[] rs = run.split(":");
            runs.add(new int[] {Integer.parseInt(rs[0]), Integer.parseInt(rs[1])});
          }
        }
        case "--direct-rate" -> directRate = Integer.parseInt(args[++i]);
        case "--direct-seconds" -> directSeconds = Integer.parseInt(args[++i]);
        case "--fixtures" -> fixtures = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--pods N, --nodes N, --runs RATE:SECONDS,...,"
            + " --direct-rate N, --direct-seconds N, --fixtures DIR)");
      }
    }
    if (runs.isEmpty()) {
      runs = List.of(new int[] {50, 30}, new int[] {500, 6});
    }
    new KubeletFanOutHarness(pods, nodes, 100, runs, directRate, directSeconds, fixtures).run();
    System.exit(0);
  }

  private void run() throws Exception {
    Path logs = Files.createDirectories(Path.of("benchmarks/target/etcd-logs"));
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).name("kubelet-bench").logDir(logs)
             .etcdArgs("--quota-backend-bytes=8589934592").build().start();
         Client writer = etcd.clientBuilder().maxInboundMessageSize(1 << 30).build()) {
      byte[] real = Files.readAllBytes(fixtures.resolve("kubernetes/auger/etcd-values/pods_default_pi-dqtsw.bin"));
      template = adapter.decode(bytes("/registry/pods/default/pi-dqtsw").getBytes(), real)
          .typed(V1.Pod.class).orElseThrow();
      long loadStart = System.nanoTime();
      load(writer.getKVClient());
      say("[kubelet] loaded %,d pods (%,d pending) over %d namespaces and %,d nodes in %.1f s",
          all.size(), pending.size(), namespaces, nodes, secondsSince(loadStart));

      viewPhase(etcd, writer.getKVClient());
      if (directSeconds > 0) {
        directPhase(etcd, writer);
      }
      say("");
      say("| path | writes/s target (achieved) | writes | kubelet deliveries | deliveries/s | before ack | p50 | p99 | p99.9 | max"
          + " | missed | dup. | unexpected | events decoded by watchers | etcd watch streams | etcd watchers | JVM CPU |");
      say("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
      rows.forEach(this::say);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The two paths

  private void viewPhase(EtcdCluster etcd, KV kv) throws Exception {
    EtcdMetrics base = etcd.member(0).metrics();
    try (Client upstream = etcd.newClient();
         CachingClient cache = CachingClient.builder(upstream).build()) {
      long t = System.nanoTime();
      if (!cache.awaitReady(Duration.ofMinutes(5))) {
        throw new IllegalStateException("the cache did not get ready");
      }
      CacheView<KubeObject> view = cache.view(PODS, adapter);
      long revision = view.snapshot().get(5, TimeUnit.MINUTES).revision();
      say("[kubelet] mirror + view of %,d pods ready in %.1f s at revision %d", view.latest().size(), secondsSince(t), revision);
      Kubelet[] kubelets = new Kubelet[nodes];
      List<AutoCloseable> handles = new ArrayList<>();
      t = System.nanoTime();
      for (int n = 0; n < nodes; n++) {
        Kubelet k = kubelets[n] = new Kubelet(n);
        handles.add(adapter.select(null, null, "spec.nodeName=" + node(n)).watch(view, revision, k));
      }
      say("[kubelet] %,d node watchers opened in %d ms", nodes, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
      double[] streams = upstream(etcd, base);
      for (int[] run : runs) {
        Result r = drive("view (CachingClient)", kv, kubelets, run[0], run[1]);
        double[] streamsAfter = upstream(etcd, base);
        say("[kubelet] etcd watch streams +%.0f / watchers +%.0f with all watchers open; +%.0f / +%.0f after the run",
            streams[0], streams[1], streamsAfter[0], streamsAfter[1]);
        report(r, kubelets, 0, streams);
      }
      for (AutoCloseable h : handles) {
        h.close();
      }
    }
  }

  private void directPhase(EtcdCluster etcd, Client writer) throws Exception {
    EtcdMetrics base = etcd.member(0).metrics();
    Kubelet[] kubelets = new Kubelet[nodes];
    for (int n = 0; n < nodes; n++) {
      kubelets[n] = new Kubelet(n);
    }
    // What each kubelet knows from its initial list: the pods bound to its node now.
    for (Pod p : bound) {
      kubelets[p.node].held.add(p.key);
    }
    AtomicLong decoded = new AtomicLong();
    try (Client direct = etcd.newClient()) {
      Watch watch = direct.getWatchClient();
      CountDownLatch created = new CountDownLatch(nodes);
      List<Watch.Watcher> watchers = new ArrayList<>();
      long t = System.nanoTime();
      for (int n = 0; n < nodes; n++) {
        Kubelet k = kubelets[n];
        String mine = node(n);
        watchers.add(watch.watch(bytes(PODS), WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
            Watch.listener(response -> {
              if (response.isCreatedNotify()) {
                created.countDown();
                return;
              }
              for (WatchEvent e : response.getEvents()) {
                long revision = e.getKeyValue().getModRevision();
                String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                boolean onNode = false;
                if (e.getEventType() == WatchEvent.EventType.PUT) {
                  KubeObject o = adapter.decode(e.getKeyValue().getKey().getBytes(), e.getKeyValue().getValue().getBytes(),
                      revision);
                  decoded.incrementAndGet();
                  onNode = mine.equals(o.typed(V1.Pod.class).orElseThrow().getSpec().getNodeName());
                }
                CacheEvent.Type type = onNode ? (k.held.add(key) ? CacheEvent.Type.CREATED : CacheEvent.Type.UPDATED)
                    : k.held.remove(key) ? CacheEvent.Type.DELETED : null;
                if (type != null) {
                  k.received.add(new Delivery(revision, type, System.nanoTime()));
                }
              }
            })));
      }
      if (!created.await(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the direct watchers were not all created");
      }
      say("[kubelet] %,d direct jetcd watchers on %s opened in %d ms", nodes, PODS,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
      double[] streams = upstream(etcd, base);
      say("[kubelet] etcd watch streams +%.0f / watchers +%.0f with all direct watchers open", streams[0], streams[1]);
      Result r = drive("direct jetcd, client-side filter", writer.getKVClient(), kubelets, directRate, directSeconds);
      report(r, kubelets, decoded.get(), streams);
      watchers.forEach(Watch.Watcher::close);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The open-loop writer and the accounting

  /** Runs the writer at {@code perSecond} for {@code duration} s, then waits for the deliveries. */
  private Result drive(String name, KV kv, Kubelet[] kubelets, int perSecond, int duration) throws Exception {
    int total = perSecond * duration;
    Change[] changes = new Change[total];
    Histogram ackLatency = new Histogram(3);
    long cpu0 = cpuNanos();
    long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
    long start = System.nanoTime();
    List<CompletableFuture<?>> acks = new ArrayList<>(total);
    for (int i = 0; i < total; i++) {
      long intended = start + i * interval;
      long wait = intended - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      Change c = changes[i] = nextChange();
      CompletableFuture<Long> f = c.delete
          ? kv.delete(bytes(c.pod.key)).thenApply(d -> d.getHeader().getRevision())
          : kv.put(bytes(c.pod.key), ByteSequence.from(c.value)).thenApply(p -> p.getHeader().getRevision());
      acks.add(f.whenComplete((revision, failure) -> {
        long now = System.nanoTime();
        if (failure != null) {
          say("[kubelet] write failed: %s", failure);
          return;
        }
        c.revision = revision;
        c.ackNanos = now;
        c.pod.inFlight = false;
        synchronized (ackLatency) {
          ackLatency.recordValue(Math.max(1, (now - intended) / 1000));
        }
      }));
    }
    long issued = System.nanoTime();
    CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(2, TimeUnit.MINUTES);
    long lastAck = System.nanoTime();

    // Expected deliveries, per kubelet, by revision.
    Map<Long, Change> byRevision = new HashMap<>();
    long expected = 0;
    for (Change c : changes) {
      byRevision.put(c.revision, c);
      if (c.node >= 0) {
        expected++;
      }
    }
    // Drain: until every expected delivery is in or nothing arrives for 10 s (at most 2 min).
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    long seen = -1;
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long got = 0;
      for (Kubelet k : kubelets) {
        got += k.received.size();
      }
      if (got >= expected) {
        break;
      }
      if (got != seen) {
        seen = got;
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(10)) {
        break;
      }
      Thread.sleep(20);
    }
    long cpu = cpuNanos() - cpu0;

    Result r = new Result(name, perSecond, total, (double) total * 1e9 / (issued - start), expected, start, cpu, ackLatency);
    long lastDelivery = start;
    for (Kubelet k : kubelets) {
      Set<Long> got = new HashSet<>();
      for (Delivery d : k.received) {
        Change c = byRevision.get(d.revision);
        if (c == null || c.node != k.node || c.type != d.type) {
          r.unexpected++;
        } else if (!got.add(d.revision)) {
          r.duplicates++;
        } else {
          long latency = d.arrivalNanos - c.ackNanos;
          if (latency <= 0) {
            r.beforeAck++;
          }
          r.latency.recordValue(Math.max(0, latency / 1000));
          r.delivered++;
          lastDelivery = Math.max(lastDelivery, d.arrivalNanos);
        }
      }
      k.received.clear();
    }
    r.missed = expected - r.delivered;
    r.seconds = (Math.max(lastDelivery, lastAck) - start) / 1e9;
    return r;
  }

  private void report(Result r, Kubelet[] kubelets, long decodedByWatchers, double[] streams) {
    Histogram h = r.latency;
    say("[kubelet] %s: %,d writes at %d/s target (%.0f/s achieved, ack p99 %s after the intended start);"
            + " %,d/%,d kubelet deliveries, %.1f%% before the ack; delivery p50 %s p99 %s p99.9 %s max %s;"
            + " missed %d, duplicates %d, unexpected %d; JVM CPU %.1f s",
        r.name, r.writes, r.target, r.achieved, micros(r.ackLatency.getValueAtPercentile(99)), r.delivered, r.expected,
        100.0 * r.beforeAck / Math.max(1, r.delivered), micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)),
        micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()), r.missed, r.duplicates, r.unexpected, r.cpuNanos / 1e9);
    rows.add(String.format(Locale.ROOT,
        "| %s | %d (%.0f) | %,d | %,d of %,d | %.0f | %.1f%% | %s | %s | %s | %s | %d | %d | %d | %s | %.0f | %.0f | %.1f s |",
        r.name, r.target, r.achieved, r.writes, r.delivered, r.expected, r.delivered / r.seconds,
        100.0 * r.beforeAck / Math.max(1, r.delivered), micros(h.getValueAtPercentile(50)),
        micros(h.getValueAtPercentile(99)), micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()), r.missed,
        r.duplicates, r.unexpected, decodedByWatchers == 0 ? "0 (filtered in the view)" : String.format(Locale.ROOT, "%,d", decodedByWatchers),
        streams[0], streams[1], r.cpuNanos / 1e9));
  }

  /** One model change, its value built and the pod marked in flight; the writer thread only. */
  private Change nextChange() {
    int dice = random.nextInt(100);
    if (dice >= 35 && dice < 60) {
      Pod p = pick(all);
      if (p != null) {
        p.app = random.nextInt(20);
        p.tier = random.nextInt(3);
        return write(p, p.node, CacheEvent.Type.UPDATED);
      }
    } else if (dice >= 60 && dice < 80) {
      Pod p = pick(pending);
      if (p != null) {
        remove(pending, p);
        p.node = random.nextInt(nodes);
        p.phase = "Running";
        bound.add(p);
        return write(p, p.node, CacheEvent.Type.CREATED);
      }
    } else if (dice >= 80 && dice < 95) {
      Pod p = newPod(serial++, -1, "Pending");
      pending.add(p);
      all.add(p);
      return write(p, -1, null);
    } else if (dice >= 95) {
      Pod p = pick(bound);
      if (p != null) {
        remove(bound, p);
        remove(all, p);
        p.inFlight = true;
        return new Change(p, p.node, CacheEvent.Type.DELETED, true, null);
      }
    }
    Pod p = pick(bound);
    if (p == null) {
      p = newPod(serial++, -1, "Pending");
      pending.add(p);
      all.add(p);
      return write(p, -1, null);
    }
    p.phase = PHASES[(java.util.Arrays.asList(PHASES).indexOf(p.phase) + 1 + random.nextInt(2)) % PHASES.length];
    return write(p, p.node, CacheEvent.Type.UPDATED);
  }

  private Change write(Pod p, int node, CacheEvent.Type type) {
    p.inFlight = true;
    return new Change(p, node, node < 0 ? null : type, false, encode(p));
  }

  /** A random pod of {@code from} with no write in flight, or null. */
  private Pod pick(List<Pod> from) {
    for (int attempt = 0; attempt < 100 && !from.isEmpty(); attempt++) {
      Pod p = from.get(random.nextInt(from.size()));
      if (!p.inFlight) {
        return p;
      }
    }
    return null;
  }

  private static void remove(List<Pod> from, Pod p) {
    int i = from.indexOf(p);
    from.set(i, from.get(from.size() - 1));
    from.remove(from.size() - 1);
  }

  private Pod newPod(int i, int node, String phase) {
    Pod p = new Pod();
    p.namespace = "ns-" + (i % namespaces);
    p.name = "pod-" + i;
    p.key = PODS + p.namespace + "/" + p.name;
    p.app = random.nextInt(20);
    p.tier = random.nextInt(3);
    p.node = node;
    p.phase = phase;
    return p;
  }

  private byte[] encode(Pod p) {
    Meta.ObjectMeta meta = template.getMetadata().toBuilder().setName(p.name).setNamespace(p.namespace)
        .setUid("uid-" + p.namespace + "-" + p.name).clearLabels()
        .putLabels("app", "app-" + p.app).putLabels("tier", "t" + p.tier).build();
    V1.Pod.Builder b = template.toBuilder().setMetadata(meta);
    b.getSpecBuilder().setNodeName(p.node < 0 ? "" : node(p.node));
    b.getStatusBuilder().setPhase(p.phase);
    KubeObject object = new KubeObject(p.key, "v1", "Pod", p.namespace, p.name, meta.getUid(), Map.of(), Map.of(),
        List.of(), 0, ValueEncoding.PROTOBUF, b.build(), null, com.google.protobuf.ByteString.EMPTY, "");
    return adapter.encode(object);
  }

  private void load(KV kv) throws Exception {
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    List<Op> batch = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      boolean isPending = random.nextInt(20) == 0;
      Pod p = newPod(serial++, isPending ? -1 : random.nextInt(nodes), isPending ? "Pending" : "Running");
      (isPending ? pending : bound).add(p);
      all.add(p);
      batch.add(Op.put(bytes(p.key), ByteSequence.from(encode(p)), PutOption.DEFAULT));
      if (batch.size() == 128 || i == pods - 1) {
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

  /** etcd's watch streams and watchers now, minus {@code base}. */
  private static double[] upstream(EtcdCluster etcd, EtcdMetrics base) {
    EtcdMetrics now = etcd.member(0).metrics();
    return new double[] {
        now.value("etcd_debugging_mvcc_watch_stream_total") - base.value("etcd_debugging_mvcc_watch_stream_total"),
        now.value("etcd_debugging_mvcc_watcher_total") - base.value("etcd_debugging_mvcc_watcher_total")};
  }

  // ---------------------------------------------------------------------------------------------
  // Small things

  /** A pod as the writer models it. */
  private static final class Pod {
    String namespace;
    String name;
    String key;
    int app;
    int tier;
    int node;
    String phase;
    volatile boolean inFlight;
  }

  /** One write: the pod, the kubelet that should see it ({@code -1}: none) and as what. */
  private static final class Change {
    final Pod pod;
    final int node;
    final CacheEvent.Type type;
    final boolean delete;
    final byte[] value;
    volatile long revision;
    volatile long ackNanos;

    Change(Pod pod, int node, CacheEvent.Type type, boolean delete, byte[] value) {
      this.pod = pod;
      this.node = node;
      this.type = type;
      this.delete = delete;
      this.value = value;
    }
  }

  private record Delivery(long revision, CacheEvent.Type type, long arrivalNanos) {}

  /** One node's watcher: what it received, and (direct path) the keys of its pods. */
  private static final class Kubelet implements CacheEventListener<KubeObject> {
    final int node;
    final ConcurrentLinkedQueue<Delivery> received = new ConcurrentLinkedQueue<>();
    final Set<String> held = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Kubelet(int node) {
      this.node = node;
    }

    @Override
    public void onEvent(CacheEvent<KubeObject> event) {
      received.add(new Delivery(event.revision(), event.type(), System.nanoTime()));
    }

    @Override
    public void onError(Throwable failure) {
      System.out.println("[kubelet] watcher of node-" + node + " failed: " + failure);
    }
  }

  private static final class Result {
    final String name;
    final int target;
    final int writes;
    final double achieved;
    final long expected;
    final long start;
    final long cpuNanos;
    final Histogram ackLatency;
    final Histogram latency = new Histogram(3);
    long delivered;
    long beforeAck;
    long missed;
    long duplicates;
    long unexpected;
    double seconds;

    Result(String name, int target, int writes, double achieved, long expected, long start, long cpuNanos, Histogram ackLatency) {
      this.name = name;
      this.target = target;
      this.writes = writes;
      this.achieved = achieved;
      this.expected = expected;
      this.start = start;
      this.cpuNanos = cpuNanos;
      this.ackLatency = ackLatency;
    }
  }

  private static String node(int n) {
    return "node-" + n;
  }

  private static String micros(long us) {
    return us >= 10_000 ? String.format(Locale.ROOT, "%.0f ms", us / 1000.0)
        : us >= 1_000 ? String.format(Locale.ROOT, "%.1f ms", us / 1000.0)
        : us + " µs";
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private void say(String format, Object... args) {
    synchronized (out) {
      out.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
    }
  }

  private static double secondsSince(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
