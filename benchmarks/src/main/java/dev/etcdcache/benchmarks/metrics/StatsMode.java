package dev.etcdcache.benchmarks.metrics;

/** How a benchmarked cache records and exposes its stats. */
public enum StatsMode {
  /** {@code StatsRecorder.disabled()}: no counting at all, the floor. */
  DISABLED,
  /** The default {@code LongAdder} recorder, no meter registry. */
  RECORDING,
  /** The default recorder with {@code EtcdCacheMetrics} bound to a Prometheus registry scraped every second. */
  BOUND_AND_SCRAPED
}
