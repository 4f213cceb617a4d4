package dev.etcdcache.metrics;

import dev.etcdcache.api.CacheOnDemand;
import dev.etcdcache.core.CachingClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.function.ToDoubleFunction;

/**
 * The meters of on-demand prefixes, read at scrape time: prefixes mirrored and being listed now
 * ({@code etcd_cache_ondemand_prefixes{state}}), bootstraps by outcome
 * ({@code etcd_cache_ondemand_bootstraps_total{outcome}}), prefixes dropped under the memory budget
 * ({@code etcd_cache_ondemand_drops_total}) and reads of the prefixes by where they were answered
 * ({@code etcd_cache_ondemand_reads_total{source=memory|etcd}}). All zero without on-demand
 * prefixes.
 */
final class OnDemandMeters {

  private OnDemandMeters() {}

  static void bind(MeterRegistry registry, CachingClient client, Iterable<Tag> tags) {
    String prefixes = "etcd.cache.ondemand.prefixes";
    gauge(registry, client, tags, prefixes, "on-demand prefixes, by state", r -> r.mirroredPrefixes(),
        "state", "mirrored");
    gauge(registry, client, tags, prefixes, "on-demand prefixes, by state", r -> r.bootstrapping(),
        "state", "bootstrapping");
    String bootstraps = "etcd.cache.ondemand.bootstraps";
    counter(registry, client, tags, bootstraps, "on-demand prefix bootstraps, by outcome", r -> r.bootstraps(),
        "outcome", "done");
    counter(registry, client, tags, bootstraps, "on-demand prefix bootstraps, by outcome", r -> r.failedBootstraps(),
        "outcome", "failed");
    counter(registry, client, tags, "etcd.cache.ondemand.drops",
        "on-demand prefixes dropped to stay within the memory budget (least recently read first)", r -> r.drops());
    String reads = "etcd.cache.ondemand.reads";
    counter(registry, client, tags, reads, "reads of on-demand prefixes, by where they were answered",
        r -> r.hits(), "source", "memory");
    counter(registry, client, tags, reads, "reads of on-demand prefixes, by where they were answered",
        r -> r.passes(), "source", "etcd");
  }

  private static void counter(MeterRegistry registry, CachingClient client, Iterable<Tag> tags, String name,
      String help, ToDoubleFunction<CacheOnDemand> value, String... extraTags) {
    FunctionCounter.builder(name, client, c -> value.applyAsDouble(c.onDemand()))
        .description(help).tags(tags).tags(extraTags).register(registry);
  }

  private static void gauge(MeterRegistry registry, CachingClient client, Iterable<Tag> tags, String name,
      String help, ToDoubleFunction<CacheOnDemand> value, String... extraTags) {
    Gauge.builder(name, client, c -> value.applyAsDouble(c.onDemand()))
        .description(help).tags(tags).tags(extraTags).register(registry);
  }
}
