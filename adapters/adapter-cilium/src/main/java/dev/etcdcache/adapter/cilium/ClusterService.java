package dev.etcdcache.adapter.cilium;

import java.util.Map;
import java.util.Objects;

/**
 * A global service as the clustermesh shares it, {@code services/v1/<cluster>/<namespace>/<name>}
 * → Cilium's {@code ClusterService} JSON. Fields a newer Cilium adds are ignored.
 *
 * <p>Immutable and thread-safe.
 *
 * @param cluster {@code cluster}
 * @param namespace {@code namespace}
 * @param name {@code name}
 * @param frontends {@code frontends}: frontend IP → port name → port
 * @param backends {@code backends}: backend IP → port name → port
 * @param hostnames {@code hostnames}: backend IP → hostname, empty when absent
 * @param zones {@code zones}: backend IP → zone, empty when absent
 * @param labels {@code labels}
 * @param selector {@code selector}
 * @param includeExternal {@code includeExternal}
 * @param shared {@code shared}
 * @param clusterId {@code clusterID}
 */
public record ClusterService(
    String cluster,
    String namespace,
    String name,
    Map<String, Map<String, L4Addr>> frontends,
    Map<String, Map<String, L4Addr>> backends,
    Map<String, String> hostnames,
    Map<String, BackendZone> zones,
    Map<String, String> labels,
    Map<String, String> selector,
    boolean includeExternal,
    boolean shared,
    long clusterId)
    implements CiliumObject {

  /** Checks the name parts and copies the maps. */
  public ClusterService {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    frontends = copyNested(frontends);
    backends = copyNested(backends);
    hostnames = Map.copyOf(hostnames);
    zones = Map.copyOf(zones);
    labels = Map.copyOf(labels);
    selector = Map.copyOf(selector);
  }

  private static Map<String, Map<String, L4Addr>> copyNested(Map<String, Map<String, L4Addr>> in) {
    Map<String, Map<String, L4Addr>> out = new java.util.HashMap<>();
    in.forEach((ip, ports) -> out.put(ip, Map.copyOf(ports)));
    return Map.copyOf(out);
  }
}
