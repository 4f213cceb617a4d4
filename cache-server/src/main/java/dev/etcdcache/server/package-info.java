/**
 * etcd's v3 gRPC API served from one {@code CachingClient} mirror: a drop-in for
 * {@code etcd grpc-proxy start}. Range and Watch come from the mirror with etcd's wire semantics;
 * every other RPC is forwarded to etcd unchanged.
 *
 * <p>Public: {@link dev.etcdcache.server.CacheServer}, {@link dev.etcdcache.server.ServerConfig},
 * {@link dev.etcdcache.server.Main}. Everything else is internal, with no compatibility promise.
 */
package dev.etcdcache.server;
