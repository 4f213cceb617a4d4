package dev.etcdcache.demo;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.CachingKV;
import dev.etcdcache.demo.load.BulkLoader;
import dev.etcdcache.demo.load.ClosedLoop;
import dev.etcdcache.demo.load.Consistency;
import dev.etcdcache.demo.load.EtcdCounters;
import dev.etcdcache.demo.load.KeySet;
import dev.etcdcache.demo.load.Workload;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.EtcdMember;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The README's demo ({@code bash scripts/demo.sh}): the same read workloads through plain jetcd and
 * through {@link CachingKV}, side by side, against a local etcd the demo starts and stops itself
 * (or an existing one given with {@code --endpoints}).
 *
 * <ol>
 *   <li>start etcd (or connect), then load the keys in batched transactions with a progress bar;</li>
 *   <li>run point Gets and prefix Lists of 100 keys, linearizable and serializable, with N
 *       concurrent callers for a fixed time each, through plain jetcd;</li>
 *   <li>start a {@link CachingClient} over the demo's prefix and time its bootstrap;</li>
 *   <li>check that jetcd and the cache answer the same requests identically, and that a write
 *       made behind the cache's back is seen by the next linearizable read through it;</li>
 *   <li>run the same workloads through the cache and print the table: throughput, p50/p99 latency,
 *       Range RPCs that reached etcd and etcd's CPU time.</li>
 * </ol>
 *
 * <p>Exits 0 on success, 1 if anything failed, 2 on a bad command line. Numbers depend on the
 * machine; the demo never judges them.
 */
public final class Demo {

  private static final int PHASES = 6;
  private static final String ROOT = "/registry/demo/";

  private final DemoOptions options;
  private final PrintStream out;
  private final KeySet keys;
  private final ResultTable table = new ResultTable();

  private Demo(DemoOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.keys = new KeySet(ROOT, options.keys());
  }

  /** Runs the demo; see the class comment for the arguments. */
  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(DemoOptions.USAGE);
      System.exit(0);
    }
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("demo: " + e.getMessage());
      System.err.println(DemoOptions.USAGE);
      System.exit(2);
      return;
    }
    int status = 0;
    try {
      new Demo(options, System.out).run();
    } catch (Exception e) {
      System.out.println();
      System.err.println("demo failed: " + describe(e));
      status = 1;
    }
    System.exit(status);
  }

  private void run() throws Exception {
    EtcdCluster cluster = null;
    Client client = null;
    CachingClient cache = null;
    DashboardFeed feed = null;
    try (MetricsEndpoint metrics = MetricsEndpoint.start(options.metricsPort())) {
      out.printf("  the cache's Prometheus metrics: %s (while the demo runs)%n", metrics.uri());
      List<URI> endpoints = options.endpoints();
      EtcdLoad etcdLoad;
      if (endpoints.isEmpty()) {
        phase(1, "starting a local etcd on a free loopback port (log: " + options.logDir().toAbsolutePath() + ")");
        cluster = EtcdCluster.builder().members(1).name("demo").logDir(options.logDir()).build().start();
        EtcdMember member = cluster.member(0);
        endpoints = cluster.clientEndpoints();
        etcdLoad = EtcdLoad.of(List.of(member::metrics));
        client = cluster.newClient();
        out.printf("  etcd %s serving at %s (pid %s)%n", etcdVersion(client, endpoints.get(0)), endpoints.get(0),
            member.pid().isPresent() ? member.pid().getAsLong() : "container");
      } else {
        phase(1, "connecting to etcd at " + endpoints);
        client = Client.builder().endpoints(endpoints.toArray(new URI[0])).build();
        etcdLoad = EtcdLoad.scrape(endpoints);
        out.printf("  etcd %s; its /metrics %s%n", etcdVersion(client, endpoints.get(0)),
            etcdLoad != null ? "is readable: RPC counts come from etcd" : "is not readable: RPC counts come from the clients");
      }

      phase(2, String.format(Locale.ROOT, "loading %,d keys (%d-byte keys, %d-byte values, %.1f MB) under %s in txns of %d puts, %d in flight",
          keys.count(), KeySet.KEY_BYTES, KeySet.VALUE_BYTES, keys.rawBytes() / 1e6, ROOT,
          BulkLoader.BATCH, BulkLoader.IN_FLIGHT));
      BulkLoader loader = new BulkLoader(client.getKVClient(), out, "  ");
      long loadStart = System.nanoTime();
      long revision = loader.load(keys);
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      out.printf(Locale.ROOT, "  loaded in %.1f s (%,.0f keys/s); etcd is at revision %d%n", loadSeconds,
          keys.count() / loadSeconds, revision);

      phase(3, String.format(Locale.ROOT, "plain jetcd: each workload runs %.0f s with %d concurrent callers, after %.0f s of warm-up",
          options.duration().toMillis() / 1e3, options.callers(), options.warmup().toMillis() / 1e3));
      KV direct = client.getKVClient();
      ClosedLoop.Outcome[] directResults = new ClosedLoop.Outcome[4];
      int cell = 0;
      for (Workload workload : Workload.values()) {
        for (Consistency consistency : Consistency.values()) {
          ClosedLoop loop = new ClosedLoop(options.callers(), () -> workload.issue(direct, keys, consistency));
          // Without etcd's /metrics, each request jetcd sends is one Range RPC.
          Supplier<EtcdCounters> counters = etcdLoad != null ? etcdLoad::counters
              : () -> EtcdCounters.countedByClient(loop.issued());
          directResults[cell++] = measure(loop, workload, consistency, "jetcd", counters);
        }
      }

      phase(4, "starting CachingClient over " + ROOT + ": one paginated Range at one revision, then one watch");
      long rpcsBefore = etcdLoad != null ? etcdLoad.counters().range() : 0;
      long bootStart = System.nanoTime();
      CachingClient.Builder builder = CachingClient.builder(client).prefixes(keys.rootBytes());
      if (options.dashboardFeed()) {
        builder.consistencyCheckPeriod(Duration.ofSeconds(5));
      }
      cache = builder.build();
      metrics.bind(cache);
      if (!cache.awaitReady(Duration.ofSeconds(120))) {
        throw new IllegalStateException("the cache was not ready within 120 s: " + cache.status());
      }
      double bootMillis = (System.nanoTime() - bootStart) / 1e6;
      out.printf(Locale.ROOT, "  ready in %,.0f ms at revision %d%s%n", bootMillis, cache.status().appliedRevision(),
          etcdLoad != null ? String.format(Locale.ROOT, " with %d Range RPCs", etcdLoad.counters().range() - rpcsBefore) : "");

      phase(5, "checking answers: the same Gets and Lists through jetcd and the cache, compared field by field");
      CachingKV cached = cache.getKVClient();
      CachingClient counted = cache;
      Verifier verifier = new Verifier(direct, cached, keys);
      int compared = verifier.compareReads(200, 20);
      long writeRevision = verifier.writeDirectReadCached();
      out.printf("  %d responses identical (kvs, revisions, versions, count, more, header revision); a write made%n"
          + "  with plain jetcd at revision %d was seen by the next linearizable read through the cache%n",
          compared, writeRevision);

      if (options.dashboardFeed()) {
        feed = DashboardFeed.start(cache.getWatchClient(), direct, keys);
        out.printf("  --dashboard-feed: %d watchers through the cache, %d writes/s, consistency check every 5 s%n",
            DashboardFeed.WATCHERS, DashboardFeed.WRITES_PER_SECOND);
      }

      phase(6, "CachingKV: the same workloads, the same callers, the same durations");
      // Without etcd's /metrics, the cache's own count of the RPCs it sent: pass-through reads and
      // revision probes.
      Supplier<EtcdCounters> cacheCounters = etcdLoad != null ? etcdLoad::counters
          : () -> EtcdCounters.countedByClient(counted.stats().passThroughRpcs() + counted.stats().probeRpcs());
      cell = 0;
      for (Workload workload : Workload.values()) {
        for (Consistency consistency : Consistency.values()) {
          ClosedLoop.Outcome d = directResults[cell++];
          table.add(workload, consistency, "jetcd", d, null);
          ClosedLoop loop = new ClosedLoop(options.callers(), () -> workload.issue(cached, keys, consistency));
          ClosedLoop.Outcome c = measure(loop, workload, consistency, "etcd-cache", cacheCounters);
          table.add(workload, consistency, "etcd-cache", c, d);
        }
      }

      out.println();
      table.print(out, etcdLoad != null
          ? "counted by etcd (grpc_server_handled_total{grpc_method=\"Range\"} from its /metrics), during each window"
          : "etcd's /metrics not readable: for jetcd the requests sent (one RPC each), for the cache its own"
              + " pass-through and revision-probe RPC counters");
      out.printf(Locale.ROOT, "served from memory: %,d reads; sent to etcd after waiting too long: %,d; cache: %s%n",
          cache.stats().servedFromMemory(), cache.stats().passedThroughTimeout(), cache.status());
      out.printf(Locale.ROOT, "etcd load reduction: %.2f%% of the cache's Gets cost etcd no Range RPC%n",
          100 * cache.stats().etcdLoadReduction());
      if (feed != null) {
        feed.close();
        out.printf(Locale.ROOT, "dashboard feed: %,d writes, %,d events delivered to %d watchers; consistency: %s%n",
            feed.writes(), feed.events(), DashboardFeed.WATCHERS, cache.consistency());
      }
      if (cluster == null) {
        out.printf("  deleted the %,d demo keys under %s%n", loader.deleteAll(keys), ROOT);
      }
    } finally {
      if (feed != null) {
        feed.close();
      }
      if (cache != null) {
        cache.close();
      }
      if (client != null) {
        client.close();
      }
      if (cluster != null) {
        cluster.close();
        out.println("stopped the local etcd");
      }
    }
  }

  private ClosedLoop.Outcome measure(ClosedLoop loop, Workload workload, Consistency consistency, String client,
      Supplier<EtcdCounters> counters) throws InterruptedException {
    ClosedLoop.Outcome r = loop.run(options.warmup(), options.duration(), counters);
    out.printf(Locale.ROOT, "  %-24s %-13s %-11s %,12.0f ops/s  p99 %8.2f ms  %,9d Range RPCs%n",
        workload.label(), consistency.label(), client, r.opsPerSecond(),
        r.latencyNanos().getValueAtPercentile(99) / 1e6, r.etcd().range());
    return r;
  }

  private void phase(int number, String what) {
    out.printf("[%d/%d] %s%n", number, PHASES, what);
  }

  private static String etcdVersion(Client client, URI endpoint) {
    try {
      return client.getMaintenanceClient().statusMember(endpoint.toString()).get(10, TimeUnit.SECONDS).getVersion();
    } catch (Exception e) {
      return "(version unknown: " + e.getClass().getSimpleName() + ")";
    }
  }

  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e));
    for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      text.append("\n  caused by ").append(cause);
    }
    return text.toString();
  }
}
