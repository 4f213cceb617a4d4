package dev.etcdcache.benchmarks.metrics;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.demo.load.Answers;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
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

/**
 * The cost of tracing on the hottest path, a serializable point Get served from memory, against a
 * real local etcd holding 10,000 keys, the answer read as a caller reads it ({@link Answers}): {@code OFF} (no OpenTelemetry configured) side by side with
 * {@code ON_UNSAMPLED} (the OpenTelemetry SDK configured, sampling nothing). The cache starts no span
 * on this path either way, so the two should be within noise of each other.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TracingOverheadBenchmark -f 1 -wi 2 -i 3
 * -w 2s -r 2s} (after {@code mvn -B -pl benchmarks -am package -DskipTests}; etcd on PATH).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TracingOverheadBenchmark {

  private static final int KEYS = 10_000;
  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  /** Whether the cache is built with an OpenTelemetry that samples nothing. */
  public enum Tracing { OFF, ON_UNSAMPLED }

  @Param({"OFF", "ON_UNSAMPLED"})
  Tracing tracing;

  private EtcdCluster etcd;
  private Client client;
  private OpenTelemetrySdk otel;
  private CachingClient cache;
  private KV kv;
  private ByteSequence[] keys;
  private final AtomicLong next = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    etcd = EtcdCluster.builder().members(1).name("tracing-bench")
        .logDir(Path.of(System.getProperty("java.io.tmpdir"), "etcd-cache-tracing-bench")).build().start();
    client = etcd.newClient();
    keys = BenchKeys.load(client.getKVClient(), "/bench/tracing/", KEYS);
    CachingClient.Builder builder = CachingClient.builder(client);
    if (tracing == Tracing.ON_UNSAMPLED) {
      otel = OpenTelemetrySdk.builder()
          .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).build())
          .build();
      builder.openTelemetry(otel);
    }
    cache = builder.build();
    if (!cache.awaitReady(Duration.ofSeconds(60))) {
      throw new IllegalStateException("cache not ready: " + cache.status());
    }
    kv = cache.getKVClient();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    cache.close();
    if (otel != null) {
      otel.close();
    }
    client.close();
    etcd.close();
  }

  @Benchmark
  public GetResponse serializableGet() {
    ByteSequence key = keys[(int) (next.getAndIncrement() & Integer.MAX_VALUE) % KEYS];
    return Answers.consume(kv.get(key, SERIALIZABLE).join());
  }
}
