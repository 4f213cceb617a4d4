package dev.etcdcache.metrics;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.ConsistencyReport;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.function.ToDoubleFunction;

/**
 * The meters of issue 20's tools, read at scrape time like the others: the consistency check's
 * rounds by outcome ({@code etcd_cache_consistency_checks_total{outcome}}), the differences it found
 * ({@code etcd_cache_consistency_differences_total}), its latest round's keys, estimated bytes and
 * seconds ({@code etcd_cache_consistency_last_check_*}) and revision, and whether the runtime bypass
 * is on ({@code etcd_cache_bypass}, 1 or 0). Alert on any increase of the differences.
 */
final class ConsistencyMeters {

  private ConsistencyMeters() {}

  static void bind(MeterRegistry registry, CachingClient client, Iterable<Tag> tags) {
    String checks = "etcd.cache.consistency.checks";
    String help = "consistency check rounds, by outcome";
    counter(registry, client, tags, checks, help, r -> r.checks() - r.divergedChecks() - r.skippedChecks(),
        "outcome", "consistent");
    counter(registry, client, tags, checks, help, ConsistencyReport::divergedChecks, "outcome", "diverged");
    counter(registry, client, tags, checks, help, ConsistencyReport::skippedChecks, "outcome", "skipped");
    counter(registry, client, tags, "etcd.cache.consistency.differences",
        "keys (or whole ranges) the consistency check found different from etcd; each made the mirror re-list",
        ConsistencyReport::differences);
    gauge(registry, client, tags, "etcd.cache.consistency.last.check.keys", "keys",
        "keys compared by the latest consistency check", c -> c.consistency().lastKeys());
    gauge(registry, client, tags, "etcd.cache.consistency.last.check.bytes", "bytes",
        "estimated bytes etcd sent for the latest consistency check (keys-only)", c -> c.consistency().lastBytes());
    gauge(registry, client, tags, "etcd.cache.consistency.last.check.duration", "seconds",
        "how long the latest consistency check took", c -> c.consistency().lastNanos() / 1e9);
    gauge(registry, client, tags, "etcd.cache.consistency.last.check.revision", "revision",
        "the revision the latest consistency check compared at", c -> c.consistency().lastRevision());
    gauge(registry, client, tags, "etcd.cache.bypass", null,
        "1 while the runtime bypass sends every read and watch to etcd", c -> c.isBypassed() ? 1 : 0);
  }

  private static void counter(MeterRegistry registry, CachingClient client, Iterable<Tag> tags, String name,
      String help, java.util.function.ToLongFunction<ConsistencyReport> value, String... extraTags) {
    FunctionCounter.builder(name, client, c -> value.applyAsLong(c.consistency()))
        .description(help)
        .tags(tags)
        .tags(extraTags)
        .register(registry);
  }

  private static void gauge(MeterRegistry registry, CachingClient client, Iterable<Tag> tags, String name,
      String baseUnit, String help, ToDoubleFunction<CachingClient> value) {
    Gauge.Builder<CachingClient> b = Gauge.builder(name, client, value).description(help).tags(tags);
    if (baseUnit != null) {
      b.baseUnit(baseUnit);
    }
    b.register(registry);
  }
}
