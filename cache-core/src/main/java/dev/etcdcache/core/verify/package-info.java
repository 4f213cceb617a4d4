/**
 * Proof while it runs: the continuous consistency check that compares the mirror with etcd at one
 * revision on every key's metadata, without values crossing the network, and asks the mirror to
 * re-list when they differ.
 */
package dev.etcdcache.core.verify;
