/**
 * Internal, no compatibility promise: what goes to etcd unchanged, with identical concurrent
 * requests sharing one RPC.
 */
package dev.etcdcache.core.passthrough;
