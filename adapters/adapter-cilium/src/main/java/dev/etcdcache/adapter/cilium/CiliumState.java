package dev.etcdcache.adapter.cilium;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every Cilium lookup, exact at one etcd revision: identities by id and by labels, the IP cache by
 * exact prefix and by longest-prefix match (IPv4 and IPv6), nodes by name and by address, services
 * by name and by frontend IP, cluster configs, and the values this adapter does not decode.
 *
 * <p>Immutable: a state never changes once a {@link CiliumCache} has published it, so it can be
 * held and read from any thread with no locking while the cache moves on. The IP lookups
 * ({@link #lookup(byte[])}, {@link #lookupIpv4(int)}, {@link #lookupIpv6(long, long)},
 * {@link #exact(IpPrefix)}) allocate nothing: they walk a persistent binary trie per address family
 * and return the stored entry. The other lookups are hash lookups; the {@code String} overloads
 * parse their argument and so allocate.
 *
 * <p>Where several address spaces hold the same IP prefix, the entry whose key sorts first wins.
 * Longest-prefix match answers as Cilium's ipcache does: the most specific prefix containing the
 * address, a host entry ({@code /32}, {@code /128}) before any CIDR.
 */
public final class CiliumState {

  private final long revision;
  final Map<Long, SecurityIdentity> identities;
  final Map<LabelSet, List<SecurityIdentity>> identitiesByLabels;
  final Map<LabelSet, List<IdentityReference>> references;
  final PrefixTrie<IpIdentity[]> ipv4;
  final PrefixTrie<IpIdentity[]> ipv6;
  final Map<String, CiliumNode> nodes;
  final Map<IpPrefix, List<CiliumNode>> nodesByAddress;
  final Map<String, ClusterService> services;
  final Map<IpPrefix, List<ClusterService>> servicesByFrontend;
  final Map<String, ClusterConfig> clusterConfigs;
  final Map<String, UnsupportedValue> unsupported;

  CiliumState(
      long revision,
      Map<Long, SecurityIdentity> identities,
      Map<LabelSet, List<SecurityIdentity>> identitiesByLabels,
      Map<LabelSet, List<IdentityReference>> references,
      PrefixTrie<IpIdentity[]> ipv4,
      PrefixTrie<IpIdentity[]> ipv6,
      Map<String, CiliumNode> nodes,
      Map<IpPrefix, List<CiliumNode>> nodesByAddress,
      Map<String, ClusterService> services,
      Map<IpPrefix, List<ClusterService>> servicesByFrontend,
      Map<String, ClusterConfig> clusterConfigs,
      Map<String, UnsupportedValue> unsupported) {
    this.revision = revision;
    this.identities = identities;
    this.identitiesByLabels = identitiesByLabels;
    this.references = references;
    this.ipv4 = ipv4;
    this.ipv6 = ipv6;
    this.nodes = nodes;
    this.nodesByAddress = nodesByAddress;
    this.services = services;
    this.servicesByFrontend = servicesByFrontend;
    this.clusterConfigs = clusterConfigs;
    this.unsupported = unsupported;
  }

  static CiliumState empty(long revision) {
    return new CiliumState(revision, Map.of(), Map.of(), Map.of(), PrefixTrie.empty(), PrefixTrie.empty(), Map.of(),
        Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
  }

  /**
   * The etcd revision this state is exact at: the view's snapshot revision it started from, or the
   * revision of the last change applied since. It stays exact for later revisions until the next
   * change under the view's prefix.
   */
  public long revision() {
    return revision;
  }

  // --- IP cache (hot path: no allocation) ----------------------------------------------------

  /**
   * The entry of the longest prefix containing {@code address} (4 bytes IPv4, 16 bytes IPv6), or
   * null if none does. Allocates nothing.
   *
   * @throws IllegalArgumentException if the array is neither 4 nor 16 bytes long
   */
  public IpIdentity lookup(byte[] address) {
    if (address.length == 4) {
      return first(ipv4.longestMatch(IpPrefix.bitsHi(address), 0));
    }
    if (address.length == 16) {
      return first(ipv6.longestMatch(IpPrefix.bitsHi(address), IpPrefix.bitsLo(address)));
    }
    throw new IllegalArgumentException("an IP address is 4 or 16 bytes, not " + address.length);
  }

  /** The longest-prefix entry for an IPv4 address as an int (network order), or null. Allocates nothing. */
  public IpIdentity lookupIpv4(int address) {
    return first(ipv4.longestMatch((address & 0xFFFFFFFFL) << 32, 0));
  }

  /** The longest-prefix entry for an IPv6 address given as its two halves, or null. Allocates nothing. */
  public IpIdentity lookupIpv6(long hi, long lo) {
    return first(ipv6.longestMatch(hi, lo));
  }

  /** The entry stored at exactly {@code prefix} (a host or a CIDR), or null. Allocates nothing. */
  public IpIdentity exact(IpPrefix prefix) {
    PrefixTrie<IpIdentity[]> trie = prefix.ipv6() ? ipv6 : ipv4;
    return first(trie.get(prefix.hi(), prefix.lo(), prefix.length()));
  }

  /**
   * The longest-prefix entry for an address in text form ({@code 10.0.0.1}, {@code fd00::1}).
   *
   * @throws IllegalArgumentException if the text is not an IP literal
   */
  public Optional<IpIdentity> lookup(String address) {
    IpPrefix p = IpPrefix.parse(address);
    if (!p.isHost()) {
      throw new IllegalArgumentException("an address, not a CIDR: " + address);
    }
    return Optional.ofNullable(lookup(p.toBytes()));
  }

  /** The resolved entry of every IP cache prefix, IPv4 then IPv6, each in trie order. */
  public List<IpIdentity> ipEntries() {
    List<IpIdentity> out = new ArrayList<>(ipv4.size() + ipv6.size());
    ipv4.forEach((hi, lo, length, slot) -> out.add(slot[0]));
    ipv6.forEach((hi, lo, length, slot) -> out.add(slot[0]));
    return out;
  }

  /** How many distinct IP cache prefixes there are. */
  public int ipPrefixCount() {
    return ipv4.size() + ipv6.size();
  }

  // --- identities ----------------------------------------------------------------------------

  /** The identity with numeric id {@code id}. */
  public Optional<SecurityIdentity> identity(long id) {
    return Optional.ofNullable(identities.get(id));
  }

  /** The identities holding exactly these labels, by ascending id (normally one, transiently more). */
  public List<SecurityIdentity> identitiesByLabels(LabelSet labels) {
    return identitiesByLabels.getOrDefault(labels, List.of());
  }

  /** The nodes' references to identities with these labels (allocator reverse keys), by node suffix. */
  public List<IdentityReference> identityReferences(LabelSet labels) {
    return references.getOrDefault(labels, List.of());
  }

  /** How many identities there are. */
  public int identityCount() {
    return identities.size();
  }

  // --- nodes, services, cluster configs ------------------------------------------------------

  /** The node stored as {@code nodes/v1/<cluster>/<name>}. */
  public Optional<CiliumNode> node(String cluster, String name) {
    return Optional.ofNullable(nodes.get(cluster + "/" + name));
  }

  /** The nodes answering on {@code address} (see {@link CiliumNode#allAddresses()}), by key. */
  public List<CiliumNode> nodesByAddress(String address) {
    return nodesByAddress.getOrDefault(IpPrefix.parse(address), List.of());
  }

  /** How many nodes there are. */
  public int nodeCount() {
    return nodes.size();
  }

  /** The service stored as {@code services/v1/<cluster>/<namespace>/<name>}. */
  public Optional<ClusterService> service(String cluster, String namespace, String name) {
    return Optional.ofNullable(services.get(cluster + "/" + namespace + "/" + name));
  }

  /** The services with a frontend on {@code address}, by key. */
  public List<ClusterService> servicesByFrontend(String address) {
    return servicesByFrontend.getOrDefault(IpPrefix.parse(address), List.of());
  }

  /** How many services there are. */
  public int serviceCount() {
    return services.size();
  }

  /** The clustermesh configuration of {@code cluster}. */
  public Optional<ClusterConfig> clusterConfig(String cluster) {
    return Optional.ofNullable(clusterConfigs.get(cluster));
  }

  /** The values held but not decoded (endpoint slices, ...), each with its reason. */
  public List<UnsupportedValue> unsupported() {
    return List.copyOf(unsupported.values());
  }

  private static IpIdentity first(IpIdentity[] slot) {
    return slot == null ? null : slot[0];
  }
}
