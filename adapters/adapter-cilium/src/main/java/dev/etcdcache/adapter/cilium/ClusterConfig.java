package dev.etcdcache.adapter.cilium;

import java.util.Objects;

/**
 * A cluster's clustermesh configuration, {@code cluster-config/<cluster>} → Cilium's
 * {@code CiliumClusterConfig} JSON. Capabilities absent in older Cilium read as false / 0.
 *
 * <p>Immutable and thread-safe.
 *
 * @param cluster the cluster name (from the key)
 * @param id {@code id}, the cluster ID
 * @param syncedCanaries {@code capabilities.syncedCanaries}
 * @param maxConnectedClusters {@code capabilities.maxConnectedClusters}
 * @param serviceExportsEnabled {@code capabilities.serviceExportsEnabled}
 */
public record ClusterConfig(
    String cluster, long id, boolean syncedCanaries, long maxConnectedClusters, boolean serviceExportsEnabled)
    implements CiliumObject {

  /** Checks the name. */
  public ClusterConfig {
    Objects.requireNonNull(cluster, "cluster");
  }
}
