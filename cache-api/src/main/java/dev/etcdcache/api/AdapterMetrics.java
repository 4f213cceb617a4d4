package dev.etcdcache.api;

import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Where an {@link Adapter} registers its own business meters (counters and gauges with tags), so
 * they are exported with the cache's core meters under one naming scheme. A view hands one to its
 * adapter through {@link Adapter#bindMetrics} when it is created; {@code cache-metrics} binds it to
 * a Micrometer registry. Nothing in this interface names a metrics library.
 *
 * <p>Names are dotted and relative ({@code kubernetes.changes}); the binding prefixes them (the
 * Micrometer binding exports {@code etcd_cache_adapter_kubernetes_changes_total}) and adds the
 * cache's and view's tags. Tags are key, value pairs; keep their values few (kinds, namespaces,
 * reasons), never per object.
 *
 * <p>Registering the same name and tags twice returns the same meter (counters) or keeps the first
 * value source (gauges). With none bound, a view uses {@link #noop()} and does not call
 * {@link Adapter#bindMetrics} or {@link Adapter#observeChange} at all: metrics then cost nothing.
 * Implementations are thread-safe.
 */
public interface AdapterMetrics {

  /**
   * The counter {@code name} with {@code tags}, registered on first use.
   *
   * @throws IllegalArgumentException if {@code tags} has an odd length
   */
  Counter counter(String name, String description, String... tags);

  /**
   * Registers a gauge {@code name} with {@code tags} reading {@code value} whenever it is exported;
   * the caller keeps {@code value} reachable and cheap (it runs on the exporter's thread).
   *
   * @throws IllegalArgumentException if {@code tags} has an odd length
   */
  void gauge(String name, String description, DoubleSupplier value, String... tags);

  /** This binding with {@code tags} added to every meter it registers. */
  AdapterMetrics withTags(String... tags);

  /** Whether meters registered here go anywhere; false for {@link #noop()}. */
  default boolean enabled() {
    return true;
  }

  /** A binding that registers nothing and whose counters do nothing. */
  static AdapterMetrics noop() {
    return NoopAdapterMetrics.INSTANCE;
  }

  /** A monotonic count; thread-safe. */
  interface Counter {

    /** Adds {@code amount} (not negative). */
    void increment(long amount);

    /** Adds one. */
    default void increment() {
      increment(1);
    }
  }

  /** Checks a tag array is key, value pairs with no nulls; for implementations. */
  static String[] checkTags(String... tags) {
    Objects.requireNonNull(tags, "tags");
    if (tags.length % 2 != 0) {
      throw new IllegalArgumentException("tags must be key, value pairs: " + tags.length + " strings");
    }
    for (String t : tags) {
      Objects.requireNonNull(t, "tag");
    }
    return tags;
  }
}
