/** Cilium's kvstore layout: identities, the IP cache with longest-prefix match, nodes and services. */
module dev.etcdcache.adapter.cilium {
  requires transitive dev.etcdcache.api;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports dev.etcdcache.adapter.cilium;
}
