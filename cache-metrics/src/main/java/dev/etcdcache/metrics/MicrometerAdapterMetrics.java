package dev.etcdcache.metrics;

import dev.etcdcache.api.AdapterMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Binds adapters' business meters ({@link AdapterMetrics}) to a Micrometer registry, named with the
 * core meters' scheme: an adapter's {@code kubernetes.changes} becomes {@code etcd.cache.adapter.kubernetes.changes}
 * (Prometheus: {@code etcd_cache_adapter_kubernetes_changes_total}), tagged {@code cache=<name>},
 * the given tags, the view's {@code view=<prefix>} and the adapter's own tags.
 *
 * <pre>{@code
 * CachingClient client = CachingClient.builder(etcd)
 *     .adapterMetrics(MicrometerAdapterMetrics.create(registry, "orders"))
 *     .build();
 * }</pre>
 *
 * <p>Counters are Micrometer counters, incremented when the adapter counts; gauges are read at
 * scrape time. Thread-safe.
 */
public final class MicrometerAdapterMetrics implements AdapterMetrics {

  /** The prefix of every adapter meter's name. */
  public static final String PREFIX = "etcd.cache.adapter.";

  private final MeterRegistry registry;
  private final Tags tags;

  private MicrometerAdapterMetrics(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
  }

  /**
   * A binding registering in {@code registry}, tagged {@code cache=<name>} and {@code tags} (key,
   * value pairs): use the name given to {@link EtcdCacheMetrics} for the same client.
   */
  public static MicrometerAdapterMetrics create(MeterRegistry registry, String name, String... tags) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(name, "name");
    return new MicrometerAdapterMetrics(registry, Tags.of(AdapterMetrics.checkTags(tags)).and("cache", name));
  }

  @Override
  public AdapterMetrics.Counter counter(String name, String description, String... tags) {
    io.micrometer.core.instrument.Counter counter = io.micrometer.core.instrument.Counter.builder(PREFIX + Objects.requireNonNull(name, "name"))
        .description(description)
        .tags(this.tags.and(AdapterMetrics.checkTags(tags)))
        .register(registry);
    return counter::increment;
  }

  @Override
  public void gauge(String name, String description, DoubleSupplier value, String... tags) {
    Objects.requireNonNull(value, "value");
    Gauge.builder(PREFIX + Objects.requireNonNull(name, "name"), value::getAsDouble)
        .description(description)
        .tags(this.tags.and(AdapterMetrics.checkTags(tags)))
        .strongReference(true)
        .register(registry);
  }

  @Override
  public AdapterMetrics withTags(String... tags) {
    return new MicrometerAdapterMetrics(registry, this.tags.and(AdapterMetrics.checkTags(tags)));
  }
}
