package dev.etcdcache.demo;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.CachingKV;
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
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

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

  private final DemoOptions options;
  private final PrintStream out;
  private final DemoKeys keys;
  private final ResultTable table = new ResultTable();

  private Demo(DemoOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.keys = new DemoKeys(options.keys());
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
          keys.count(), DemoKeys.KEY_BYTES, DemoKeys.VALUE_BYTES, keys.rawBytes() / 1e6, DemoKeys.ROOT,
          Loader.BATCH, Loader.IN_FLIGHT));
      long loadStart = System.nanoTime();
      long revision = new Loader(client.getKVClient(), keys, out).load();
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      out.printf(Locale.ROOT, "  loaded in %.1f s (%,.0f keys/s); etcd is at revision %d%n", loadSeconds,
          keys.count() / loadSeconds, revision);

      phase(3, String.format(Locale.ROOT, "plain jetcd: each workload runs %.0f s with %d concurrent callers, after %.0f s of warm-up",
          options.duration().toMillis() / 1e3, options.callers(), options.warmup().toMillis() / 1e3));
      KV direct = client.getKVClient();
      CellResult[] directResults = new CellResult[4];
      int cell = 0;
      for (Operation operation : Operation.values()) {
        for (boolean serializable : new boolean[] {false, true}) {
          Measurement m = new Measurement(direct, keys, operation, serializable, options.callers());
          LongSupplier rpcs = etcdLoad != null ? etcdLoad::rangeRpcs : m::issued;
          directResults[cell++] = measure(m, operation, serializable, "jetcd", rpcs, etcdLoad);
        }
      }

      phase(4, "starting CachingClient over " + DemoKeys.ROOT + ": one paginated Range at one revision, then one watch");
      long rpcsBefore = etcdLoad != null ? etcdLoad.rangeRpcs() : 0;
      long bootStart = System.nanoTime();
      cache = CachingClient.builder(client).prefixes(keys.root()).build();
      metrics.bind(cache);
      if (!cache.awaitReady(Duration.ofSeconds(120))) {
        throw new IllegalStateException("the cache was not ready within 120 s: " + cache.status());
      }
      double bootMillis = (System.nanoTime() - bootStart) / 1e6;
      out.printf(Locale.ROOT, "  ready in %,.0f ms at revision %d%s%n", bootMillis, cache.status().appliedRevision(),
          etcdLoad != null ? String.format(Locale.ROOT, " with %d Range RPCs", etcdLoad.rangeRpcs() - rpcsBefore) : "");

      phase(5, "checking answers: the same Gets and Lists through jetcd and the cache, compared field by field");
      CachingKV cached = cache.getKVClient();
      Verifier verifier = new Verifier(direct, cached, keys);
      int compared = verifier.compareReads(200, 20);
      long writeRevision = verifier.writeDirectReadCached();
      out.printf("  %d responses identical (kvs, revisions, versions, count, more, header revision); a write made%n"
          + "  with plain jetcd at revision %d was seen by the next linearizable read through the cache%n",
          compared, writeRevision);

      phase(6, "CachingKV: the same workloads, the same callers, the same durations");
      LongSupplier cacheRpcs = () -> cached.reads().passThroughRpcs() + cached.reads().probeRpcs();
      cell = 0;
      for (Operation operation : Operation.values()) {
        for (boolean serializable : new boolean[] {false, true}) {
          CellResult d = directResults[cell++];
          table.add(operation, serializable, "jetcd", d, null);
          Measurement m = new Measurement(cached, keys, operation, serializable, options.callers());
          CellResult c = measure(m, operation, serializable, "etcd-cache",
              etcdLoad != null ? etcdLoad::rangeRpcs : cacheRpcs, etcdLoad);
          table.add(operation, serializable, "etcd-cache", c, d);
        }
      }

      out.println();
      table.print(out, etcdLoad != null
          ? "counted by etcd (grpc_server_handled_total{grpc_method=\"Range\"} from its /metrics), during each window"
          : "etcd's /metrics not readable: for jetcd the requests sent (one RPC each), for the cache its own"
              + " pass-through and revision-probe RPC counters");
      out.printf(Locale.ROOT, "served from memory: %,d reads; sent to etcd after waiting too long: %,d; cache: %s%n",
          cached.reads().servedFromMemory(), cached.reads().fallbacks(), cache.status());
      out.printf(Locale.ROOT, "etcd load reduction: %.2f%% of the cache's Gets cost etcd no Range RPC%n",
          100 * cache.stats().etcdLoadReduction());
      if (cluster == null) {
        out.printf("  deleted the %,d demo keys under %s%n", new Loader(direct, keys, out).deleteAll(), DemoKeys.ROOT);
      }
    } finally {
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

  private CellResult measure(Measurement m, Operation operation, boolean serializable, String client,
      LongSupplier rpcs, EtcdLoad etcdLoad) throws InterruptedException {
    DoubleSupplier cpu = etcdLoad != null ? etcdLoad::cpuSeconds : null;
    CellResult r = m.run(options.warmup(), options.duration(), rpcs, cpu);
    out.printf(Locale.ROOT, "  %-24s %-13s %-11s %,12.0f ops/s  p99 %8.2f ms  %,9d Range RPCs%n",
        operation.label(), serializable ? "serializable" : "linearizable", client, r.opsPerSecond(),
        r.p99Nanos() / 1e6, r.rangeRpcs());
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
