package dev.etcdcache.benchmarks.server;

/** Who answers the harness's gRPC calls: etcd itself, etcd's grpc-proxy, or cache-server. */
enum Contender {
  DIRECT("direct etcd"),
  GRPC_PROXY("grpc-proxy"),
  CACHE_SERVER("cache-server");

  private final String label;

  Contender(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
