package dev.etcdcache.adapter.cilium;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The answer to every Cilium lookup computed the slow, obvious way from a direct etcd read at one
 * revision, decoded with the same adapter, and a check that a {@link CiliumState} agrees.
 */
final class BruteForce {

  final long revision;
  final TreeMap<String, CiliumObject> objects = new TreeMap<>();
  final Map<IpPrefix, IpIdentity> winners = new java.util.HashMap<>();

  private BruteForce(long revision) {
    this.revision = revision;
  }

  /**
   * Reads {@code prefix} from etcd at {@code revision} directly (not through the cache), in pages
   * of 2,000 keys so a large keyspace stays under jetcd's 4 MiB response limit.
   */
  static BruteForce read(KV direct, CiliumAdapter adapter, String prefix, long revision) throws Exception {
    BruteForce b = new BruteForce(revision);
    ByteSequence end = bytes(prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1));
    ByteSequence from = bytes(prefix);
    while (true) {
      GetResponse page = direct.get(from, GetOption.builder().withRange(end).withRevision(revision).withLimit(2000)
          .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build()).get();
      for (KeyValue kv : page.getKvs()) {
        byte[] key = kv.getKey().getBytes();
        CiliumObject o = adapter.decode(key, kv.getValue().getBytes());
        if (adapter.accept(key, o)) {
          b.objects.put(kv.getKey().toString(StandardCharsets.UTF_8), o);
        }
      }
      if (!page.isMore() || page.getKvs().isEmpty()) {
        break;
      }
      from = ByteSequence.from(keyAfter(page.getKvs().get(page.getKvs().size() - 1).getKey().getBytes()));
    }
    for (IpIdentity ip : b.all(IpIdentity.class)) {
      b.winners.merge(ip.prefix(), ip, (x, y) -> (x.addressSpace() + "/").compareTo(y.addressSpace() + "/") <= 0 ? x : y);
    }
    return b;
  }

  /** The smallest key after {@code key}. */
  private static byte[] keyAfter(byte[] key) {
    byte[] next = java.util.Arrays.copyOf(key, key.length + 1);
    return next;
  }

  <T> List<T> all(Class<T> type) {
    return objects.values().stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
  }

  /**
   * Cilium's ipcache answer, found without a trie: the resolved entry of the address's own prefix
   * of every length, longest first (same prefix in several address spaces: first key).
   */
  IpIdentity longestMatch(IpPrefix address) {
    byte[] bytes = address.toBytes();
    for (int length = bytes.length * 8; length >= 0; length--) {
      IpIdentity hit = winners.get(IpPrefix.fromBytes(bytes, length));
      if (hit != null) {
        return hit;
      }
    }
    return null;
  }

  /** Checks every lookup of {@code state} against this read, for the given extra probe addresses. */
  void assertMatches(CiliumState state, List<IpPrefix> probes) {
    assertThat(state.revision()).isEqualTo(revision);
    // identities
    List<SecurityIdentity> identities = all(SecurityIdentity.class);
    assertThat(state.identityCount()).isEqualTo(identities.size());
    Set<LabelSet> labelSets = new HashSet<>();
    for (SecurityIdentity s : identities) {
      assertThat(state.identity(s.id())).contains(s);
      labelSets.add(s.labels());
    }
    for (LabelSet labels : labelSets) {
      List<SecurityIdentity> expected = identities.stream().filter(s -> s.labels().equals(labels))
          .sorted(Comparator.comparingLong(SecurityIdentity::id)).toList();
      assertThat(state.identitiesByLabels(labels)).isEqualTo(expected);
    }
    List<IdentityReference> refs = all(IdentityReference.class);
    for (IdentityReference r : refs) {
      assertThat(state.identityReferences(r.labels()))
          .isEqualTo(refs.stream().filter(x -> x.labels().equals(r.labels()))
              .sorted(Comparator.comparing(IdentityReference::nodeSuffix)).toList());
    }
    // IP cache: the set of resolved entries, exact lookups and longest-prefix matches
    List<IpIdentity> ips = all(IpIdentity.class);
    assertThat(new HashSet<>(state.ipEntries())).isEqualTo(new HashSet<>(winners.values()));
    assertThat(state.ipPrefixCount()).isEqualTo(winners.size());
    for (Map.Entry<IpPrefix, IpIdentity> w : winners.entrySet()) {
      assertThat(state.exact(w.getKey())).isEqualTo(w.getValue());
    }
    List<IpPrefix> addresses = new ArrayList<>(probes);
    for (IpIdentity ip : ips) {
      addresses.add(IpPrefix.fromBytes(ip.prefix().toBytes(), ip.prefix().ipv6() ? 128 : 32));
    }
    for (IpPrefix a : addresses) {
      assertThat(state.lookup(a.toBytes())).as("LPM %s", a).isEqualTo(longestMatch(a));
    }
    // nodes
    List<CiliumNode> nodes = all(CiliumNode.class);
    assertThat(state.nodeCount()).isEqualTo(nodes.size());
    for (Map.Entry<String, CiliumObject> e : objects.entrySet()) {
      if (e.getValue() instanceof CiliumNode n) {
        String[] parts = e.getKey().split("/");
        assertThat(state.node(parts[parts.length - 2], parts[parts.length - 1])).contains(n);
        for (IpPrefix a : n.allAddresses()) {
          assertThat(state.nodesByAddress(a.address()))
              .containsExactlyInAnyOrderElementsOf(nodes.stream().filter(x -> x.allAddresses().contains(a)).toList());
        }
      }
    }
    // services
    List<ClusterService> services = all(ClusterService.class);
    assertThat(state.serviceCount()).isEqualTo(services.size());
    for (ClusterService s : services) {
      assertThat(state.service(s.cluster(), s.namespace(), s.name())).contains(s);
      for (String f : s.frontends().keySet()) {
        assertThat(state.servicesByFrontend(f)).containsExactlyInAnyOrderElementsOf(
            services.stream().filter(x -> x.frontends().containsKey(f)).toList());
      }
    }
    for (ClusterConfig c : all(ClusterConfig.class)) {
      assertThat(state.clusterConfig(c.cluster())).contains(c);
    }
    assertThat(new HashSet<>(state.unsupported())).isEqualTo(new HashSet<>(all(UnsupportedValue.class)));
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
