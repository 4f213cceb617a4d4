/**
 * Internal, no compatibility promise: how a read decides which store version answers it
 * (linearizable, serializable, bounded staleness, at a revision, read-your-writes) and when it
 * goes to etcd instead.
 */
package dev.etcdcache.core.consistency;
