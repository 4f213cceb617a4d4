/** A Micrometer binding for etcd-cache: meters read from a client's stats at scrape time, and a timer-backed recorder. */
module dev.etcdcache.metrics {
  requires transitive dev.etcdcache.core;
  requires transitive micrometer.core;

  exports dev.etcdcache.metrics;
}
