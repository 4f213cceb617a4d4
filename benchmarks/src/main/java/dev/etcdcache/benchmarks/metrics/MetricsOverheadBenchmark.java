package dev.etcdcache.benchmarks.metrics;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.metrics.EtcdCacheMetrics;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of stats on the hottest path, a serializable point Get served from memory, against a real
 * local etcd holding 10,000 keys. One run compares the three {@link StatsMode}s: no recording at all,
 * the default {@code LongAdder} recorder, and that recorder with {@code EtcdCacheMetrics} bound to a
 * Prometheus registry that is scraped every second (60 times more often than a usual 60 s scrape
 * interval, to make the scrape's share visible). The ratio RECORDING / DISABLED is what the counters
 * cost a read; BOUND_AND_SCRAPED / RECORDING is what binding a registry costs.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar MetricsOverheadBenchmark -f 1 -wi 2 -i 3
 * -w 2s -r 2s} (after {@code mvn -B -pl benchmarks -am package -DskipTests}; etcd on PATH). Add
 * {@code -t 2} for two reading threads contending on the counters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MetricsOverheadBenchmark {

  private static final int KEYS = 10_000;
  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  @Param({"DISABLED", "RECORDING", "BOUND_AND_SCRAPED"})
  StatsMode mode;

  private EtcdCluster etcd;
  private Client client;
  private CachingClient cache;
  private KV kv;
  private ByteSequence[] keys;
  private ScheduledExecutorService scraper;
  private final AtomicLong next = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    etcd = EtcdCluster.builder().members(1).name("metrics-bench")
        .logDir(Path.of(System.getProperty("java.io.tmpdir"), "etcd-cache-metrics-bench")).build().start();
    client = etcd.newClient();
    keys = BenchKeys.load(client.getKVClient(), "/bench/metrics/", KEYS);
    CachingClient.Builder builder = CachingClient.builder(client);
    if (mode == StatsMode.DISABLED) {
      builder.statsRecorder(StatsRecorder.disabled());
    }
    cache = builder.build();
    if (!cache.awaitReady(Duration.ofSeconds(60))) {
      throw new IllegalStateException("cache not ready: " + cache.status());
    }
    kv = cache.getKVClient();
    if (mode == StatsMode.BOUND_AND_SCRAPED) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      EtcdCacheMetrics.monitor(registry, cache, "bench");
      scraper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-scraper");
        t.setDaemon(true);
        return t;
      });
      scraper.scheduleAtFixedRate(registry::scrape, 1, 1, TimeUnit.SECONDS);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (scraper != null) {
      scraper.shutdownNow();
    }
    cache.close();
    client.close();
    etcd.close();
  }

  @Benchmark
  public GetResponse serializableGet() {
    ByteSequence key = keys[(int) (next.getAndIncrement() & Integer.MAX_VALUE) % KEYS];
    return kv.get(key, SERIALIZABLE).join();
  }
}
