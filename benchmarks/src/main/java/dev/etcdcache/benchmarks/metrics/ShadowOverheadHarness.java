package dev.etcdcache.benchmarks.metrics;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.ShadowReport;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.HdrHistogram.Histogram;

/**
 * Shadow mode's added latency on the caller's Get, measured so that a machine shared with other
 * work cannot favour one mode: the modes of {@link ShadowOverheadBenchmark} ({@code DIRECT}
 * plain jetcd, {@code SHADOW_OFF} the cache from memory, {@code PASS_THROUGH} the cache's reads
 * bypassed to etcd, {@code SHADOW_0_01} and {@code SHADOW_1} shadow mode sampling 1 % and every
 * Get) take turns in short blocks, in a new random order each
 * round, against one etcd of 10,000 keys of 100 bytes, one caller, each linearizable Get timed to
 * the end of consuming its answer ({@code getKvs()}, every key and value as bytes). Before a block
 * ends, the background comparisons it started are waited for (not timed), so none spill into the
 * next block. Prints p50 / p90 / p99 / mean per mode and the shadow reports.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.etcdcache.benchmarks.metrics.ShadowOverheadHarness [rounds] [opsPerBlock]} (defaults 40 and
 * 250; etcd on PATH).
 */
public final class ShadowOverheadHarness {

  private static final int KEYS = 10_000;

  private ShadowOverheadHarness() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int ops = args.length > 1 ? Integer.parseInt(args[1]) : 250;
    Path logs = Files.createTempDirectory("etcd-cache-shadow-harness");
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).name("shadow-harness").logDir(logs).build().start();
        Client client = etcd.newClient()) {
      ByteSequence[] keys = BenchKeys.load(client.getKVClient(), "/bench/shadow/", KEYS);
      try (CachingClient cache = CachingClient.builder(client).build()) {
        if (!cache.awaitReady(Duration.ofSeconds(60))) {
          throw new IllegalStateException("cache not ready: " + cache.status());
        }
        Map<ShadowOverheadBenchmark.Shadow, Histogram> latency = new EnumMap<>(ShadowOverheadBenchmark.Shadow.class);
        Map<ShadowOverheadBenchmark.Shadow, long[]> sampled = new EnumMap<>(ShadowOverheadBenchmark.Shadow.class);
        List<ShadowOverheadBenchmark.Shadow> order = new ArrayList<>(List.of(ShadowOverheadBenchmark.Shadow.values()));
        for (ShadowOverheadBenchmark.Shadow mode : order) {
          latency.put(mode, new Histogram(60_000_000_000L, 3));
          sampled.put(mode, new long[3]);
        }
        Random random = new Random(20);
        long blackhole = 0;
        for (int round = -2; round < rounds; round++) { // two rounds of warm-up, not recorded
          Collections.shuffle(order, random);
          for (ShadowOverheadBenchmark.Shadow mode : order) {
            KV kv = mode == ShadowOverheadBenchmark.Shadow.DIRECT ? client.getKVClient() : cache.getKVClient();
            cache.bypass(mode == ShadowOverheadBenchmark.Shadow.PASS_THROUGH, false);
            cache.shadowReads(switch (mode) {
              case SHADOW_0_01 -> 0.01;
              case SHADOW_1 -> 1.0;
              default -> 0;
            });
            for (int i = 0; i < ops; i++) {
              ByteSequence key = keys[random.nextInt(KEYS)];
              long started = System.nanoTime();
              GetResponse r = kv.get(key).join();
              for (KeyValue e : r.getKvs()) {
                blackhole += e.getKey().getBytes().length + e.getValue().getBytes().length + e.getModRevision();
              }
              long took = System.nanoTime() - started;
              if (round >= 0) {
                latency.get(mode).recordValue(took);
              }
            }
            ShadowReport report = awaitComparisons(cache);
            // Shadow mode off keeps the last run's report: count only the runs of this block.
            if (round >= 0 && cache.shadowRate() > 0) {
              long[] s = sampled.get(mode);
              s[0] += report.sampled();
              s[1] += report.compared();
              s[2] += report.totalMismatches();
            }
          }
        }
        System.out.printf(Locale.ROOT, "%d rounds x %d Gets per mode, one caller, linearizable, answers consumed"
            + " (checksum %d)%n", rounds, ops, blackhole);
        System.out.println("| mode | Gets | p50 µs | p90 µs | p99 µs | mean µs | sampled | compared | mismatches |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (ShadowOverheadBenchmark.Shadow mode : ShadowOverheadBenchmark.Shadow.values()) {
          Histogram h = latency.get(mode);
          long[] s = sampled.get(mode);
          System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %d | %d | %d |%n", mode,
              h.getTotalCount(), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
              h.getValueAtPercentile(99) / 1e3, h.getMean() / 1e3, s[0], s[1], s[2]);
        }
      }
    }
  }

  /** Waits until every sampled read of the current shadow run is compared or skipped. */
  private static ShadowReport awaitComparisons(CachingClient cache) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      ShadowReport r = cache.shadowReport();
      if (r.compared() + r.skipped() >= r.sampled() || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(1);
    }
  }
}
