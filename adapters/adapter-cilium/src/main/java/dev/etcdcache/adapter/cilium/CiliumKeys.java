package dev.etcdcache.adapter.cilium;

import java.util.Objects;

/**
 * Where Cilium's kvstore data lives: the state prefix (identities, IP cache, nodes, services,
 * endpoint slices) and the cluster-config prefix, which Cilium keeps beside it rather than under it.
 * Builds the key of any decoded object.
 *
 * <p>Immutable and thread-safe.
 *
 * @param statePrefix the state prefix, default {@code cilium/state/}; ends in {@code /}
 * @param clusterConfigPrefix the cluster-config prefix, default {@code cilium/cluster-config/}; ends in {@code /}
 */
public record CiliumKeys(String statePrefix, String clusterConfigPrefix) {

  /** Cilium's own layout: {@code cilium/state/} and {@code cilium/cluster-config/}. */
  public static final CiliumKeys DEFAULT = new CiliumKeys("cilium/state/", "cilium/cluster-config/");

  /** Checks that both prefixes end in {@code /}. */
  public CiliumKeys {
    Objects.requireNonNull(statePrefix, "statePrefix");
    Objects.requireNonNull(clusterConfigPrefix, "clusterConfigPrefix");
    if (!statePrefix.endsWith("/") || !clusterConfigPrefix.endsWith("/")) {
      throw new IllegalArgumentException("prefixes end in '/': " + statePrefix + ", " + clusterConfigPrefix);
    }
  }

  /** The layout with another state prefix and the cluster config at {@code <its parent>/cluster-config/}. */
  public static CiliumKeys withStatePrefix(String statePrefix) {
    String trimmed = statePrefix.endsWith("/") ? statePrefix.substring(0, statePrefix.length() - 1) : statePrefix;
    int slash = trimmed.lastIndexOf('/');
    String parent = slash < 0 ? "" : trimmed.substring(0, slash + 1);
    return new CiliumKeys(trimmed + "/", parent + "cluster-config/");
  }

  /**
   * The prefix one view needs to hold both areas, so every lookup answers at one revision: the
   * longest common path of the two prefixes ({@code cilium/} by default).
   */
  public String viewPrefix() {
    int n = Math.min(statePrefix.length(), clusterConfigPrefix.length());
    int i = 0;
    while (i < n && statePrefix.charAt(i) == clusterConfigPrefix.charAt(i)) {
      i++;
    }
    return statePrefix.substring(0, statePrefix.lastIndexOf('/', i - 1) + 1);
  }

  /** The key {@code object} is stored under. */
  public String keyOf(CiliumObject object) {
    // Java 17: no pattern switch yet, so an instanceof chain over the sealed hierarchy.
    if (object instanceof SecurityIdentity s) {
      return statePrefix + "identities/v1/id/" + s.id();
    } else if (object instanceof IdentityReference r) {
      return statePrefix + "identities/v1/value/" + r.labels().toKvstoreString() + "/" + r.nodeSuffix();
    } else if (object instanceof IpIdentity ip) {
      return statePrefix + "ip/v1/" + ip.addressSpace() + "/" + ip.prefix();
    } else if (object instanceof CiliumNode node) {
      return statePrefix + "nodes/v1/" + node.keyCluster() + "/" + node.name();
    } else if (object instanceof ClusterService s) {
      return statePrefix + "services/v1/" + s.cluster() + "/" + s.namespace() + "/" + s.name();
    } else if (object instanceof ClusterConfig c) {
      return clusterConfigPrefix + c.cluster();
    }
    return ((UnsupportedValue) object).key();
  }
}
