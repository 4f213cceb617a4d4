/**
 * Real etcd for tests, ours and library users': {@link dev.etcdcache.testing.EtcdCluster} launches
 * one or more local etcd processes (or a Testcontainers container when an image is asked for and
 * Docker exists), {@link dev.etcdcache.testing.FaultProxy} injects network faults between a client
 * and a member, {@link dev.etcdcache.testing.EtcdMetrics} reads etcd's Prometheus metrics, and
 * {@link dev.etcdcache.testing.EtcdExtension} wires all of it into JUnit 5.
 *
 * <p>The launcher types do not depend on JUnit at run time and may be used by demos and benchmarks.
 * Types that are not public are internal, with no compatibility promise. Production code never
 * depends on this module.
 */
package dev.etcdcache.testing;
