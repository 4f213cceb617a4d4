/**
 * Internal, no compatibility promise: the immutable store versions the mirror publishes, key
 * ranges, and the evaluation of etcd Range requests against a version with etcd's exact
 * semantics.
 */
package dev.etcdcache.core.store;
