/**
 * The public contracts of etcd-cache that carry no gRPC or jetcd types: read consistency,
 * status, stats, and the cache's own exceptions.
 */
package dev.etcdcache.api;
