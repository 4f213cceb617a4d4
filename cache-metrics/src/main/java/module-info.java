/**
 * A Micrometer binding for etcd-cache: meters read from a client's stats at scrape time, a
 * timer-backed recorder, and the adapters' business meters.
 */
module dev.etcdcache.metrics {
  requires transitive dev.etcdcache.core;
  requires transitive micrometer.core;

  exports dev.etcdcache.metrics;
}
