package dev.etcdcache.adapter.kubernetes;

import java.util.List;

/**
 * The answer to a list, as kube-apiserver gives it: the objects and the resourceVersion they were
 * read at. A watch started from that resourceVersion misses nothing that happened after the list.
 * Immutable.
 *
 * @param resourceVersion the etcd revision the list is exact at
 * @param items the matching objects, in key order
 */
public record KubeList(long resourceVersion, List<KubeObject> items) {

  /** Validates the list and copies its items. */
  public KubeList {
    items = List.copyOf(items);
    if (resourceVersion <= 0) {
      throw new IllegalArgumentException("resourceVersion must be positive: " + resourceVersion);
    }
  }
}
