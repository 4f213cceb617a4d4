package dev.etcdcache.adapter.cilium;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A node, {@code nodes/v1/<cluster>/<name>} → Cilium's {@code Node} JSON (Go field names, no json
 * tags). Fields a newer Cilium adds are ignored; absent ones are null, empty or zero. The legacy
 * {@code AddressType} spelling of an address's type is read as {@code Type}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param keyCluster the cluster segment of the key
 * @param name {@code Name}
 * @param cluster {@code Cluster} (empty in the legacy format)
 * @param addresses {@code IPAddresses}
 * @param ipv4AllocCidr {@code IPv4AllocCIDR}, or null
 * @param ipv6AllocCidr {@code IPv6AllocCIDR}, or null
 * @param ipv4SecondaryAllocCidrs {@code IPv4SecondaryAllocCIDRs}, empty when null
 * @param ipv6SecondaryAllocCidrs {@code IPv6SecondaryAllocCIDRs}, empty when null
 * @param ipv4HealthIp {@code IPv4HealthIP}, empty when unset
 * @param ipv6HealthIp {@code IPv6HealthIP}, empty when unset
 * @param ipv4IngressIp {@code IPv4IngressIP}, empty when unset
 * @param ipv6IngressIp {@code IPv6IngressIP}, empty when unset
 * @param clusterId {@code ClusterID}
 * @param source {@code Source}, e.g. {@code custom-resource}
 * @param encryptionKey {@code EncryptionKey}
 * @param labels {@code Labels}, empty when null
 * @param annotations {@code Annotations}, empty when null
 * @param nodeIdentity {@code NodeIdentity}, 0 when absent
 * @param wireguardPubKey {@code WireguardPubKey}, empty when unset
 * @param bootId {@code BootID}, empty when absent
 */
public record CiliumNode(
    String keyCluster,
    String name,
    String cluster,
    List<NodeAddress> addresses,
    NodeCidr ipv4AllocCidr,
    NodeCidr ipv6AllocCidr,
    List<NodeCidr> ipv4SecondaryAllocCidrs,
    List<NodeCidr> ipv6SecondaryAllocCidrs,
    String ipv4HealthIp,
    String ipv6HealthIp,
    String ipv4IngressIp,
    String ipv6IngressIp,
    long clusterId,
    String source,
    int encryptionKey,
    Map<String, String> labels,
    Map<String, String> annotations,
    long nodeIdentity,
    String wireguardPubKey,
    String bootId)
    implements CiliumObject {

  /** Checks the key parts and copies the collections. */
  public CiliumNode {
    Objects.requireNonNull(keyCluster, "keyCluster");
    Objects.requireNonNull(name, "name");
    addresses = List.copyOf(addresses);
    ipv4SecondaryAllocCidrs = List.copyOf(ipv4SecondaryAllocCidrs);
    ipv6SecondaryAllocCidrs = List.copyOf(ipv6SecondaryAllocCidrs);
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
  }

  /**
   * Every address the node answers on, as host prefixes without duplicates: its
   * {@code IPAddresses}, then its health and ingress IPs that are set. Unparseable text is skipped.
   */
  public Set<IpPrefix> allAddresses() {
    List<String> texts = new ArrayList<>();
    for (NodeAddress a : addresses) {
      texts.add(a.ip());
    }
    texts.addAll(List.of(ipv4HealthIp, ipv6HealthIp, ipv4IngressIp, ipv6IngressIp));
    Set<IpPrefix> out = new LinkedHashSet<>();
    for (String text : texts) {
      if (text == null || text.isEmpty()) {
        continue;
      }
      try {
        out.add(IpPrefix.parse(text));
      } catch (IllegalArgumentException e) {
        // A bad address must not hide the node's other addresses; lookups just cannot find it.
      }
    }
    return out;
  }
}
