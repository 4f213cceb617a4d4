package dev.etcdcache.metrics;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.ConsistencyReport;
import dev.etcdcache.core.ShadowReport;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The meters of issue 20's tools, read at scrape time like the others: the consistency check's
 * rounds by outcome ({@code etcd_cache_consistency_checks_total{outcome}}), the differences it found
 * ({@code etcd_cache_consistency_differences_total}), its latest round's keys, estimated bytes and
 * seconds ({@code etcd_cache_consistency_last_check_*}) and revision, and whether the runtime bypass
 * is on ({@code etcd_cache_bypass}, 1 or 0; by half {@code etcd_cache_bypass_reads} and
 * {@code etcd_cache_bypass_watches}), and shadow mode's sample rate ({@code etcd_cache_shadow_rate}),
 * sampled reads
 * ({@code etcd_cache_shadow_reads_total{outcome}}) and mismatches
 * ({@code etcd_cache_shadow_mismatches_total{operation,kind}}). Alert on any increase of the
 * differences or mismatches.
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
    String shadow = "etcd.cache.shadow.reads";
    String shadowHelp = "shadow-mode reads sampled, by outcome";
    shadowCounter(registry, client, tags, shadow, shadowHelp, ShadowReport::compared, "outcome", "compared");
    shadowCounter(registry, client, tags, shadow, shadowHelp, ShadowReport::skipped, "outcome", "skipped");
    for (String op : new String[] {"GET", "LIST"}) {
      for (String kind : new String[] {"KVS", "COUNT", "MORE"}) {
        shadowCounter(registry, client, tags, "etcd.cache.shadow.mismatches",
            "shadow-mode reads whose cache answer differed from etcd's, by operation and kind",
            r -> r.mismatches().getOrDefault(op + "/" + kind, 0L), "operation", op.toLowerCase(java.util.Locale.ROOT),
            "kind", kind.toLowerCase(java.util.Locale.ROOT));
      }
    }
    gauge(registry, client, tags, "etcd.cache.bypass", null,
        "1 while any part of the runtime bypass is on (reads or watches go to etcd)", c -> c.isBypassed() ? 1 : 0);
    gauge(registry, client, tags, "etcd.cache.bypass.reads", null,
        "1 while the runtime bypass sends every read to etcd", c -> c.isReadsBypassed() ? 1 : 0);
    gauge(registry, client, tags, "etcd.cache.bypass.watches", null,
        "1 while the runtime bypass serves every watcher by its own etcd watch", c -> c.isWatchesBypassed() ? 1 : 0);
    gauge(registry, client, tags, "etcd.cache.shadow.rate", null,
        "shadow mode's sample rate (0: off)", CachingClient::shadowRate);
  }

  private static void counter(MeterRegistry registry, CachingClient client, Iterable<Tag> tags, String name,
      String help, ToLongFunction<ConsistencyReport> value, String... extraTags) {
    clientCounter(registry, client, tags, name, help, c -> value.applyAsLong(c.consistency()), extraTags);
  }

  private static void shadowCounter(MeterRegistry registry, CachingClient client, Iterable<Tag> tags, String name,
      String help, ToLongFunction<ShadowReport> value, String... extraTags) {
    clientCounter(registry, client, tags, name, help, c -> value.applyAsLong(c.shadowReport()), extraTags);
  }

  /** A counter read from the client at scrape time. */
  private static void clientCounter(MeterRegistry registry, CachingClient client, Iterable<Tag> tags, String name,
      String help, ToLongFunction<CachingClient> value, String... extraTags) {
    FunctionCounter.builder(name, client, value::applyAsLong)
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
