package dev.etcdcache.benchmarks.load;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.demo.load.Answers;
import dev.etcdcache.demo.load.ClosedLoop;
import dev.etcdcache.demo.load.Consistency;
import dev.etcdcache.demo.load.KeySet;
import dev.etcdcache.demo.load.Workload;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Scenarios 1 to 3 of issue 7, closed loop, each cell on plain jetcd and then on the cache:
 * point Gets at several caller counts, prefix Lists of 100 keys, and full Lists of 10k keys and of
 * the whole read set, linearizable (jetcd's default) and, for the first two, serializable.
 * Not thread-safe.
 */
final class ReadScenarios {

  static final String POINT = "1-point-get";
  static final String PREFIX = "2-prefix-list";
  static final String FULL = "3-full-list";

  private static final GetOption LIST = Workload.PREFIX_LIST.option(Consistency.LINEARIZABLE);

  private final Bench bench;
  private final KeySet keys;
  private final CachingClient cache;

  ReadScenarios(Bench bench, KeySet keys, CachingClient cache) {
    this.bench = bench;
    this.keys = keys;
    this.cache = cache;
  }

  /** Map of variant to [direct, cache] throughput, for the targets table. */
  Map<String, double[]> pointGets() throws InterruptedException {
    bench.report().scenario(POINT, "1. Point Get, " + String.format(Locale.ROOT, "%,d", keys.count()) + " keys",
        "Random keys; each caller waits for its answer before sending the next request.");
    Map<String, double[]> ratios = new LinkedHashMap<>();
    for (Consistency consistency : Consistency.values()) {
      for (int callers : bench.options().callers()) {
        String variant = consistency.label() + ", " + callers + " callers";
        ratios.put(variant, pair(POINT, variant, callers, bench.options().window(),
            kv -> () -> Workload.POINT_GET.issue(kv, keys, consistency)));
      }
    }
    return ratios;
  }

  Map<String, double[]> prefixLists() throws InterruptedException {
    bench.report().scenario(PREFIX, "2. Prefix List of 100 keys",
        "A random namespace of 100 keys (about 30 KB) per request, 16 callers.");
    Map<String, double[]> ratios = new LinkedHashMap<>();
    for (Consistency consistency : Consistency.values()) {
      String variant = consistency.label() + ", 16 callers";
      ratios.put(variant, pair(PREFIX, variant, 16, bench.options().window(),
          kv -> () -> Workload.PREFIX_LIST.issue(kv, keys, consistency)));
    }
    return ratios;
  }

  Map<String, double[]> fullLists() throws InterruptedException {
    bench.report().scenario(FULL, "3. Full List",
        "The whole prefix in one linearizable request, 2 callers. The direct client's inbound message limit is "
            + "raised (the 100k List is about 31 MB); the cache's upstream client keeps jetcd's default 4 MiB.");
    Map<String, double[]> ratios = new LinkedHashMap<>();
    ByteSequence tenK = keys.first10k();
    ByteSequence all = keys.rootBytes();
    ratios.put("10k keys", pair(FULL, "10k keys", 2, bench.options().window(), kv -> () -> kv.get(tenK, LIST).thenApply(Answers::consume)));
    ratios.put(String.format(Locale.ROOT, "%,d keys", keys.count()), pair(FULL,
        String.format(Locale.ROOT, "%,d keys", keys.count()), 2, bench.options().window(), kv -> () -> kv.get(all, LIST).thenApply(Answers::consume)));
    return ratios;
  }

  /** Measures one variant on both contenders; returns {direct, cache} throughput. */
  private double[] pair(String scenario, String variant, int callers, Duration window,
      Function<KV, Supplier<CompletableFuture<?>>> request) throws InterruptedException {
    ClosedLoop.Outcome direct = measure(bench.direct().getKVClient(), callers, window, request);
    bench.report().add(row(scenario, variant, Contender.DIRECT, callers, direct, null));
    ClosedLoop.Outcome cached = measure(cache.getKVClient(), callers, window, request);
    bench.report().add(row(scenario, variant, Contender.ETCD_CACHE, callers, cached, direct));
    bench.say("    %-34s jetcd %,10.0f ops/s p99 %8.2f ms | etcd-cache %,10.0f ops/s p99 %8.2f ms  %6.1fx  %,d vs %,d Range RPCs",
        variant, direct.opsPerSecond(), direct.latencyNanos().getValueAtPercentile(99) / 1e6, cached.opsPerSecond(),
        cached.latencyNanos().getValueAtPercentile(99) / 1e6, cached.opsPerSecond() / direct.opsPerSecond(),
        direct.etcd().range(), cached.etcd().range());
    return new double[] {direct.opsPerSecond(), cached.opsPerSecond(), direct.etcd().range(), cached.etcd().range(),
        cached.completed()};
  }

  private ClosedLoop.Outcome measure(KV kv, int callers, Duration window,
      Function<KV, Supplier<CompletableFuture<?>>> request) throws InterruptedException {
    return new ClosedLoop(callers, request.apply(kv)).run(bench.options().warmup(), window, bench::counters);
  }

  static ResultRow row(String scenario, String variant, Contender contender, int callers, ClosedLoop.Outcome o,
      ClosedLoop.Outcome direct) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("callers", Integer.toString(callers));
    c.put("ops/s", fmt("%,.0f", o.opsPerSecond()));
    c.put("p50 us", micros(o.latencyNanos().getValueAtPercentile(50)));
    c.put("p99 us", micros(o.latencyNanos().getValueAtPercentile(99)));
    c.put("p99.9 us", micros(o.latencyNanos().getValueAtPercentile(99.9)));
    c.put("errors", Long.toString(o.errors()));
    c.put("etcd Range RPCs", Long.toString(o.etcd().range()));
    c.put("Range RPCs per 1k reads", o.completed() == 0 ? "" : fmt("%.1f", 1000.0 * o.etcd().range() / o.completed()));
    c.put("etcd Watch streams opened", Long.toString(o.etcd().watchStreams()));
    c.put("etcd CPU s", fmt("%.2f", o.etcd().cpuSeconds()));
    c.put("throughput vs direct", direct == null ? "1.0x" : fmt("%.1fx", o.opsPerSecond() / direct.opsPerSecond()));
    c.put("p99 vs direct", direct == null ? "1.0x" : fmt("%.3fx", (double) o.latencyNanos().getValueAtPercentile(99)
        / Math.max(1, direct.latencyNanos().getValueAtPercentile(99))));
    return new ResultRow(scenario, variant, contender, c);
  }

  static String micros(long nanos) {
    return fmt("%.1f", nanos / 1e3);
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
