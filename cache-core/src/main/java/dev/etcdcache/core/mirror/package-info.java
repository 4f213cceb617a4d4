/**
 * Internal, no compatibility promise: the mirror of etcd key ranges fed by one paginated Range and
 * one upstream watch, and the recent store versions it keeps for reads at a revision.
 * {@link dev.etcdcache.core.mirror.Mirror} is the only entry point.
 */
package dev.etcdcache.core.mirror;
