package dev.etcdcache.benchmarks.load;

import static dev.etcdcache.benchmarks.load.ReadScenarios.fmt;
import static dev.etcdcache.benchmarks.load.ReadScenarios.micros;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.demo.load.Consistency;
import dev.etcdcache.demo.load.KeySet;
import dev.etcdcache.demo.load.Workload;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scenario 7 of issue 7: 95% point Gets and 5% Puts on random keys at a fixed offered load, open
 * loop; read latency from the scheduled send time, and staleness of each read in revisions behind
 * the newest write acknowledged before it was sent. Writes go through the contender's own KV (for
 * the cache that is a pass-through to etcd, and its read-your-writes applies). Not thread-safe.
 */
final class MixedScenario {

  static final String MIXED = "7-mixed";

  private final Bench bench;
  private final KeySet keys;
  private final CachingClient cache;

  MixedScenario(Bench bench, KeySet keys, CachingClient cache) {
    this.bench = bench;
    this.keys = keys;
    this.cache = cache;
    bench.report().scenario(MIXED, "7. Mixed 95% reads / 5% writes at a fixed offered load",
        fmt("%,d operations/s offered, open loop; latency counted from the scheduled send time. Staleness: revisions "
            + "between the newest write acknowledged before a read was sent and the revision the read reflects.",
            bench.options().mixedOpsPerSecond()));
  }

  void run() throws InterruptedException {
    for (Consistency consistency : Consistency.values()) {
      String variant = consistency.label() + " reads";
      GetOption option = Workload.POINT_GET.option(consistency);
      OpenLoop.Outcome direct = measure(bench.direct().getKVClient(), option);
      bench.report().add(row(variant, Contender.DIRECT, direct, null));
      OpenLoop.Outcome cached = measure(cache.getKVClient(), option);
      bench.report().add(row(variant, Contender.ETCD_CACHE, cached, direct));
      bench.say("    %-22s read p99 jetcd %8.2f ms, etcd-cache %8.2f ms; stale reads jetcd %,d, etcd-cache %,d "
              + "(p99 %d revisions); Range RPCs %,d vs %,d",
          variant, direct.readNanos().getValueAtPercentile(99) / 1e6, cached.readNanos().getValueAtPercentile(99) / 1e6,
          direct.staleReads(), cached.staleReads(), cached.staleRevisions().getValueAtPercentile(99),
          direct.etcd().range(), cached.etcd().range());
    }
  }

  private OpenLoop.Outcome measure(KV kv, GetOption option) throws InterruptedException {
    return new OpenLoop(kv, keys, option, 0.05, bench.options().mixedOpsPerSecond())
        .run(bench.options().warmup(), bench.options().mixedWindow(), bench::counters);
  }

  private static ResultRow row(String variant, Contender contender, OpenLoop.Outcome o, OpenLoop.Outcome direct) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("reads/s", fmt("%,.0f", o.reads() / o.seconds()));
    c.put("writes/s", fmt("%,.0f", o.writes() / o.seconds()));
    c.put("read p50 us", micros(o.readNanos().getValueAtPercentile(50)));
    c.put("read p99 us", micros(o.readNanos().getValueAtPercentile(99)));
    c.put("read p99.9 us", micros(o.readNanos().getValueAtPercentile(99.9)));
    c.put("write p99 us", micros(o.writeNanos().getValueAtPercentile(99)));
    c.put("stale reads", fmt("%d (%.2f%%)", o.staleReads(), 100.0 * o.staleReads() / Math.max(1, o.reads())));
    c.put("staleness p99 revisions", Long.toString(o.staleRevisions().getValueAtPercentile(99)));
    c.put("staleness max revisions", Long.toString(o.staleRevisions().getMaxValue()));
    c.put("errors/dropped", o.errors() + "/" + o.dropped());
    c.put("etcd Range RPCs", Long.toString(o.etcd().range()));
    c.put("etcd Put RPCs", Long.toString(o.etcd().put()));
    c.put("etcd CPU s", fmt("%.2f", o.etcd().cpuSeconds()));
    c.put("read p99 vs direct", direct == null ? "1.0x" : fmt("%.3fx", (double) o.readNanos().getValueAtPercentile(99)
        / Math.max(1, direct.readNanos().getValueAtPercentile(99))));
    return new ResultRow(MIXED, variant, contender, c);
  }
}
