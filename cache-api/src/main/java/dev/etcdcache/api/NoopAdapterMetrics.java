package dev.etcdcache.api;

import java.util.function.DoubleSupplier;

/** The binding used when no metrics are bound: one shared counter that does nothing. */
enum NoopAdapterMetrics implements AdapterMetrics, AdapterMetrics.Counter {
  INSTANCE;

  @Override
  public Counter counter(String name, String description, String... tags) {
    AdapterMetrics.checkTags(tags);
    return this;
  }

  @Override
  public void gauge(String name, String description, DoubleSupplier value, String... tags) {
    AdapterMetrics.checkTags(tags);
  }

  @Override
  public AdapterMetrics withTags(String... tags) {
    AdapterMetrics.checkTags(tags);
    return this;
  }

  @Override
  public boolean enabled() {
    return false;
  }

  @Override
  public void increment(long amount) {
    // Nothing bound: counted nowhere.
  }
}
