/**
 * Micrometer metrics for etcd-cache: {@link dev.etcdcache.metrics.EtcdCacheMetrics} binds a
 * {@code CachingClient}'s stats and status to any registry. A Grafana dashboard over them ships in
 * {@code cache-metrics/grafana/etcd-cache.json}.
 */
package dev.etcdcache.metrics;
