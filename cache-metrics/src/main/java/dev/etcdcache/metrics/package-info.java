/**
 * Micrometer metrics for etcd-cache: {@link dev.etcdcache.metrics.EtcdCacheMetrics} binds a
 * {@code CachingClient}'s stats and status to any registry;
 * {@link dev.etcdcache.metrics.MicrometerAdapterMetrics} exports the adapters' own meters under the
 * same scheme. A Grafana dashboard over them ships in
 * {@code cache-metrics/grafana/etcd-cache.json}.
 */
package dev.etcdcache.metrics;
