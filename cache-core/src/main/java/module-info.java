/**
 * etcd-cache's engine behind jetcd's interfaces. Exported: the facade ({@code dev.etcdcache.core}:
 * {@code CachingClient} and its builder, {@code CacheConfig}, {@code CachingKV},
 * {@code CachingWatch}, {@code CacheWire}) and the stats recorder plug-in
 * ({@code dev.etcdcache.core.stats}). Everything else (mirror, store, consistency, history, watch,
 * view, pass-through, wire translation) is the engine: free to change, reachable by no module.
 *
 * <p>Seams: {@code CacheWire} (exported) serves etcd's wire API to a server. The in-process
 * benchmarks reach {@code dev.etcdcache.core.inprocess.DetachedView} from the class path only; it
 * is not exported and not supported.
 */
module dev.etcdcache.core {
  requires transitive dev.etcdcache.api;
  requires dev.etcdcache.btree;
  requires transitive jetcd.core;
  requires transitive jetcd.grpc;
  requires jetcd.common;
  requires transitive com.google.protobuf;
  requires io.grpc;
  requires org.slf4j;
  requires transitive io.opentelemetry.api;
  requires transitive io.opentelemetry.context;

  exports dev.etcdcache.core;
  exports dev.etcdcache.core.stats;
}
