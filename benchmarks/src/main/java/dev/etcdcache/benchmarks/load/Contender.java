package dev.etcdcache.benchmarks.load;

/**
 * Who answers the reads in a measurement. Every scenario runs each contender in the same run, on
 * the same etcd and data, so each figure is reported as a ratio to {@link #DIRECT}.
 *
 * <p>IBM etcd-java's {@code RangeCache} runs in its own JVM ({@link RangeCacheContender}): it
 * cannot share one with jetcd 0.8.6 as Maven resolves them.
 */
enum Contender {
  /** Plain jetcd 0.8.6: every read is an RPC to etcd. */
  DIRECT("jetcd"),
  /** {@code CachingClient} over a jetcd client with the default 4 MiB inbound message limit. */
  ETCD_CACHE("etcd-cache"),
  /** {@code CachingClient} with watch listeners marked {@code CachingWatch.inline} (watch scenario only). */
  ETCD_CACHE_INLINE("etcd-cache-inline"),
  /** IBM etcd-java 0.0.24 {@code RangeCache}: reads from its local map, in a separate JVM. */
  IBM_RANGE_CACHE("ibm-rangecache");

  private final String label;

  Contender(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
