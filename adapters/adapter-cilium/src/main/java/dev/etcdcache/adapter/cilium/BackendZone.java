package dev.etcdcache.adapter.cilium;

import java.util.List;

/**
 * The zone of a service backend and the zones it is hinted for, {@code ClusterService.zones[ip]}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param zone {@code zone}
 * @param forZones the {@code name}s of {@code forZones}
 */
public record BackendZone(String zone, List<String> forZones) {

  /** Copies the list. */
  public BackendZone {
    forZones = List.copyOf(forZones);
  }
}
