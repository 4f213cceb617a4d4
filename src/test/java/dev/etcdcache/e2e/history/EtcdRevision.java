package dev.etcdcache.e2e.history;

import java.util.List;

/** One revision of etcd's own log, as a fresh watch replays it: its changes in etcd's order. */
public record EtcdRevision(long revision, List<Mutation> mutations) {

  public EtcdRevision {
    mutations = List.copyOf(mutations);
  }
}
