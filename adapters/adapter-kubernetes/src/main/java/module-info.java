/** Kubernetes' objects as kube-apiserver stores them in etcd, with its key layout, indexes and selectors. */
module dev.etcdcache.adapter.kubernetes {
  requires transitive dev.etcdcache.api;
  requires transitive io.kubernetes.client.java.proto;
  requires transitive com.google.protobuf;
  requires com.google.gson;

  exports dev.etcdcache.adapter.kubernetes;
}
