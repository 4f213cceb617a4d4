package dev.etcdcache.benchmarks.kubernetes;

import dev.etcdcache.adapter.kubernetes.KubeObject;
import dev.etcdcache.adapter.kubernetes.KubernetesAdapter;
import dev.etcdcache.adapter.kubernetes.Selection;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Kubernetes lists through a typed view against the direct path, in one run: a generated cluster of
 * pods (auger's real Pod value with name, namespace, labels, node and phase replaced, stored under
 * {@code /registry/pods/<ns>/<name>}) in a local etcd, then per scenario the same request two ways:
 * <ul>
 *   <li><b>direct</b>: what a client without a cache does (and kube-apiserver without its watch
 *       cache): a linearizable, paged Range over the narrowest key prefix, decode every value, filter;
 *   <li><b>view</b>: {@link Selection#list(CacheView)}, a linearizable snapshot of
 *       {@code CachingClient.view("/registry/pods/", KubernetesAdapter)} answered from its indexes
 *       (one count-only Range probe to etcd per list); <b>serial.</b>: the same list on
 *       {@code view.latest()}, serializable, no RPC: the in-memory cost alone.
 * </ul>
 * Scenarios: namespace list (one namespace's pods), label-selector list across namespaces
 * ({@code app=app-3}), pods of one node ({@code spec.nodeName=node-k}, the kubelet's list). One
 * caller, closed loop, after a warm-up; latencies in microseconds, reported, never asserted.
 *
 * <p>Command (from the project root; {@code --pods} defaults to 50,000, {@code --quick} runs fewer
 * iterations, {@code --fixtures} defaults to {@code ../shared/fixtures}, where the real Pod is):
 * <pre>
 * mvn -B -q -pl benchmarks -am install -DskipTests
 * java -Xmx4g -cp benchmarks/target/benchmarks.jar dev.etcdcache.benchmarks.kubernetes.KubernetesListHarness --quick
 * </pre>
 */
public final class KubernetesListHarness {

  private static final String PODS = "/registry/pods/";

  private final PrintStream out;
  private final int pods;
  private final int namespaces;
  private final int nodes;
  private final boolean quick;
  private final Path fixtures;

  private KubernetesListHarness(PrintStream out, int pods, int namespaces, int nodes, boolean quick, Path fixtures) {
    this.out = out;
    this.fixtures = fixtures;
    this.pods = pods;
    this.namespaces = namespaces;
    this.nodes = nodes;
    this.quick = quick;
  }

  /** Runs the harness; see the class comment for options. */
  public static void main(String[] args) throws Exception {
    int pods = 50_000;
    boolean quick = false;
    Path fixtures = Path.of("../shared/fixtures");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--pods" -> pods = Integer.parseInt(args[++i]);
        case "--quick" -> quick = true;
        case "--fixtures" -> fixtures = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--pods N, --quick, --fixtures DIR)");
      }
    }
    new KubernetesListHarness(System.out, pods, 100, 500, quick, fixtures).run();
  }

  private void run() throws Exception {
    Path logs = Files.createDirectories(Path.of("benchmarks/target/etcd-logs"));
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).name("k8s-bench").logDir(logs)
             .etcdArgs("--quota-backend-bytes=8589934592").build().start();
         Client direct = etcd.clientBuilder().maxInboundMessageSize(1 << 30).build();
         Client upstream = etcd.newClient()) {
      KubernetesAdapter adapter = KubernetesAdapter.standard();
      long loadStart = System.nanoTime();
      load(direct.getKVClient(), adapter);
      say("[k8s] loaded %,d pods over %d namespaces and %d nodes in %.1f s", pods, namespaces, nodes, secondsSince(loadStart));

      long startView = System.nanoTime();
      try (CachingClient cache = CachingClient.builder(upstream).build()) {
        if (!cache.awaitReady(Duration.ofMinutes(5))) {
          throw new IllegalStateException("the cache did not get ready");
        }
        CacheView<KubeObject> view = cache.view(PODS, adapter);
        int size = view.snapshot().get(5, TimeUnit.MINUTES).size();
        say("[k8s] mirror + view ready with %,d pods in %.1f s (decode and index of every pod)", size, secondsSince(startView));

        Random random = new Random(7);
        int directIterations = quick ? 5 : 20;
        int viewIterations = quick ? 2_000 : 10_000;
        say("%-50s %13s %13s %13s %13s %13s %13s %9s", "scenario [matches]", "direct p50", "direct p99", "view p50",
            "view p99", "serial. p50", "serial. p99", "p99 ratio (linearizable)");
        scenario("namespace list (" + pods / namespaces + " pods)", direct.getKVClient(), adapter, view,
            () -> "ns-" + random.nextInt(namespaces), ns -> adapter.select(ns, "", ""), ns -> PODS + ns + "/",
            quick ? 50 : 200, viewIterations);
        scenario("label selector app=app-k, all namespaces", direct.getKVClient(), adapter, view,
            () -> "app=app-" + random.nextInt(20), sel -> adapter.select(null, sel, null), sel -> PODS,
            directIterations, viewIterations / 4);
        scenario("pods of one node spec.nodeName=node-k", direct.getKVClient(), adapter, view,
            () -> "spec.nodeName=node-" + random.nextInt(nodes), sel -> adapter.select(null, null, sel), sel -> PODS,
            directIterations, viewIterations);
      }
    }
  }

  private void scenario(String name, KV kv, KubernetesAdapter adapter, CacheView<KubeObject> view,
      java.util.function.Supplier<String> parameter, java.util.function.Function<String, Selection> selection,
      java.util.function.Function<String, String> rangePrefix, int directIterations, int viewIterations) throws Exception {
    Histogram directTimes = new Histogram(3);
    Histogram viewTimes = new Histogram(3);
    Histogram latestTimes = new Histogram(3);
    for (int i = 0; i < Math.max(2, directIterations / 5); i++) {
      String p = parameter.get();
      direct(kv, adapter, rangePrefix.apply(p), selection.apply(p));
    }
    for (int i = 0; i < directIterations; i++) {
      String p = parameter.get();
      Selection s = selection.apply(p);
      long t = System.nanoTime();
      int n = direct(kv, adapter, rangePrefix.apply(p), s);
      directTimes.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
      check(n >= 0);
    }
    for (int i = 0; i < viewIterations / 5; i++) {
      selection.apply(parameter.get()).list(view).get();
    }
    for (int i = 0; i < viewIterations; i++) {
      Selection s = selection.apply(parameter.get());
      long t = System.nanoTime();
      s.list(view).get();
      viewTimes.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
    }
    for (int i = 0; i < viewIterations; i++) {
      Selection s = selection.apply(parameter.get());
      long t = System.nanoTime();
      s.list(view.latest());
      latestTimes.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
    }
    // The two paths answer the same question: check one parameter against each other.
    String p = parameter.get();
    int fromView = selection.apply(p).list(view).get().items().size();
    int fromEtcd = direct(kv, adapter, rangePrefix.apply(p), selection.apply(p));
    check(fromView == fromEtcd);
    say("%-50s %10d µs %10d µs %10d µs %10d µs %10d µs %10d µs %8.0f×", name + " [" + fromView + "]",
        directTimes.getValueAtPercentile(50), directTimes.getValueAtPercentile(99),
        viewTimes.getValueAtPercentile(50), viewTimes.getValueAtPercentile(99),
        latestTimes.getValueAtPercentile(50), latestTimes.getValueAtPercentile(99),
        (double) directTimes.getValueAtPercentile(99) / viewTimes.getValueAtPercentile(99));
  }

  /** The direct path: linearizable paged Range over {@code prefix}, decode, filter. Returns the match count. */
  private static int direct(KV kv, KubernetesAdapter adapter, String prefix, Selection selection) throws Exception {
    ByteSequence end = bytes(prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1));
    ByteSequence from = bytes(prefix);
    long revision = 0;
    int matches = 0;
    while (true) {
      GetResponse page = kv.get(from, GetOption.builder().withRange(end).withLimit(5_000).withRevision(revision).build()).get();
      revision = page.getHeader().getRevision();
      for (KeyValue entry : page.getKvs()) {
        KubeObject o = adapter.decode(entry.getKey().getBytes(), entry.getValue().getBytes(), entry.getModRevision());
        if (selection.matches(o)) {
          matches++;
        }
      }
      if (!page.isMore()) {
        return matches;
      }
      byte[] last = page.getKvs().get(page.getKvs().size() - 1).getKey().getBytes();
      from = ByteSequence.from(java.util.Arrays.copyOf(last, last.length + 1));
    }
  }

  private void load(KV kv, KubernetesAdapter adapter) throws Exception {
    byte[] real = Files.readAllBytes(fixtures.resolve("kubernetes/auger/etcd-values/pods_default_pi-dqtsw.bin"));
    KubeObject template = adapter.decode(bytes("/registry/pods/default/pi-dqtsw").getBytes(), real);
    V1.Pod pod = template.typed(V1.Pod.class).orElseThrow();
    Random random = new Random(11);
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    List<Op> batch = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      String ns = "ns-" + (i % namespaces);
      String name = "pod-" + i;
      String key = PODS + ns + "/" + name;
      Meta.ObjectMeta meta = pod.getMetadata().toBuilder().setName(name).setNamespace(ns).setUid("uid-" + i)
          .clearLabels().putLabels("app", "app-" + random.nextInt(20)).putLabels("tier", "t" + random.nextInt(3)).build();
      V1.Pod.Builder b = pod.toBuilder().setMetadata(meta);
      b.getSpecBuilder().setNodeName("node-" + random.nextInt(nodes));
      KubeObject object = new KubeObject(key, "v1", "Pod", ns, name, meta.getUid(), java.util.Map.of(), java.util.Map.of(),
          List.of(), 0, dev.etcdcache.adapter.kubernetes.ValueEncoding.PROTOBUF, b.build(), null,
          com.google.protobuf.ByteString.EMPTY, "");
      batch.add(Op.put(bytes(key), ByteSequence.from(adapter.encode(object)), PutOption.DEFAULT));
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

  private void say(String format, Object... args) {
    out.println(String.format(Locale.ROOT, format, args));
  }

  private static double secondsSince(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void check(boolean condition) {
    if (!condition) {
      throw new IllegalStateException("the view and the direct path disagree");
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
