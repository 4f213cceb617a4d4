/**
 * Load generation shared by the demo ({@code dev.etcdcache.demo.Demo}) and the benchmarks' load
 * harness ({@code dev.etcdcache.benchmarks.load.LoadHarness}): a Kubernetes-shaped data set
 * ({@link dev.etcdcache.demo.load.KeySet}), loading it in bounded batches of txns with a progress
 * bar ({@link dev.etcdcache.demo.load.BulkLoader}), the reads both measure
 * ({@link dev.etcdcache.demo.load.Workload}, {@link dev.etcdcache.demo.load.Consistency}), a
 * closed-loop measurement into an HdrHistogram ({@link dev.etcdcache.demo.load.ClosedLoop}) and
 * what etcd reports it served ({@link dev.etcdcache.demo.load.EtcdCounters}).
 *
 * <p>Internal to this repository's tools, no compatibility promise.
 */
package dev.etcdcache.demo.load;
