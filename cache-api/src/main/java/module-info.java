/**
 * etcd-cache's contracts with no gRPC in them: read consistency, status and stats values, typed
 * views and their adapters, queries and events.
 */
module dev.etcdcache.api {
  exports dev.etcdcache.api;
}
