package dev.etcdcache.benchmarks.metrics;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.file.Path;
import java.time.Duration;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * What shadow mode adds to the caller's Get (issue 20). A linearizable point Get (jetcd's default)
 * against a real local etcd holding 10,000 keys of 100 bytes, each answer consumed as a caller
 * does ({@code getKvs()}, every key and value as bytes), in one run:
 *
 * <ul>
 *   <li>{@code DIRECT}: plain jetcd, no cache: what a shadowed Get must be compared with, since
 *       etcd answers it;</li>
 *   <li>{@code SHADOW_OFF}: the cache serving from memory (a shared count-only probe, then memory);</li>
 *   <li>{@code PASS_THROUGH}: the cache with its reads bypassed, so etcd answers through the cache's
 *       pass-through path with no sampling: what shadow mode costs beyond it is the sampling;</li>
 *   <li>{@code SHADOW_0_01} and {@code SHADOW_1}: shadow mode sampling 1 % and every Get: etcd
 *       answers, the sampled ones are also answered by the cache and compared in the background
 *       (on the cache's executor, so on the same cores as the caller here).</li>
 * </ul>
 * The added latency of shadow mode is {@code SHADOW_*} minus {@code DIRECT}; of that, the sampling
 * is {@code SHADOW_*} minus {@code PASS_THROUGH}.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ShadowOverheadBenchmark -f 1 -wi 2 -i 3
 * -w 2s -r 2s} (after {@code mvn -B -pl benchmarks -am package -DskipTests}; etcd on PATH).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ShadowOverheadBenchmark {

  private static final int KEYS = 10_000;

  /** Who answers the Get. */
  public enum Shadow { DIRECT, SHADOW_OFF, PASS_THROUGH, SHADOW_0_01, SHADOW_1 }

  @Param({"DIRECT", "SHADOW_OFF", "PASS_THROUGH", "SHADOW_0_01", "SHADOW_1"})
  Shadow shadow;

  private EtcdCluster etcd;
  private Client client;
  private CachingClient cache;
  private KV kv;
  private ByteSequence[] keys;
  private final AtomicLong next = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    etcd = EtcdCluster.builder().members(1).name("shadow-bench")
        .logDir(Path.of(System.getProperty("java.io.tmpdir"), "etcd-cache-shadow-bench")).build().start();
    client = etcd.newClient();
    keys = BenchKeys.load(client.getKVClient(), "/bench/shadow/", KEYS);
    if (shadow == Shadow.DIRECT) {
      kv = client.getKVClient();
      return;
    }
    cache = CachingClient.builder(client).build();
    if (!cache.awaitReady(Duration.ofSeconds(60))) {
      throw new IllegalStateException("cache not ready: " + cache.status());
    }
    switch (shadow) {
      case SHADOW_0_01 -> cache.shadowReads(0.01);
      case SHADOW_1 -> cache.shadowReads(1.0);
      case PASS_THROUGH -> cache.bypass(true, false);
      default -> { }
    }
    kv = cache.getKVClient();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (cache != null) {
      System.out.println();
      System.out.println("shadow report (" + shadow + "): " + cache.shadowReport());
      cache.close();
    }
    client.close();
    etcd.close();
  }

  @Benchmark
  public void linearizableGet(Blackhole bh) {
    ByteSequence key = keys[(int) (next.getAndIncrement() & Integer.MAX_VALUE) % KEYS];
    GetResponse r = kv.get(key).join();
    for (KeyValue e : r.getKvs()) {
      bh.consume(e.getKey().getBytes());
      bh.consume(e.getValue().getBytes());
      bh.consume(e.getModRevision());
    }
    bh.consume(r.getHeader().getRevision());
  }
}
