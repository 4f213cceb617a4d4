package dev.etcdcache.adapter.cilium;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Derives the next {@link CiliumState} from the last one and a run of key changes, sharing every
 * table the changes do not touch: a touched hash table is copied once per build, the IP tries are
 * persistent and copy only the changed path. Collects the typed changes the listeners get.
 *
 * <p>Not thread-safe: used by the one thread that applies a view's events.
 */
final class StateBuilder {

  private static final Comparator<IdentityReference> BY_NODE = Comparator.comparing(IdentityReference::nodeSuffix);
  private static final Comparator<SecurityIdentity> BY_ID = Comparator.comparingLong(SecurityIdentity::id);
  private static final Comparator<IpIdentity> BY_SPACE = Comparator.comparing(ip -> ip.addressSpace() + "/");

  private final Table<Long, SecurityIdentity> identities;
  private final Table<LabelSet, List<SecurityIdentity>> identitiesByLabels;
  private final Table<LabelSet, List<IdentityReference>> references;
  private PrefixTrie<IpIdentity[]> ipv4;
  private PrefixTrie<IpIdentity[]> ipv6;
  private final Table<String, CiliumNode> nodes;
  private final Table<IpPrefix, List<CiliumNode>> nodesByAddress;
  private final Table<String, ClusterService> services;
  private final Table<IpPrefix, List<ClusterService>> servicesByFrontend;
  private final Table<String, ClusterConfig> clusterConfigs;
  private final Table<String, UnsupportedValue> unsupported;
  private final List<IdentityChange> identityChanges = new ArrayList<>();
  private final List<IpMappingChange> ipChanges = new ArrayList<>();

  StateBuilder(CiliumState from) {
    identities = new Table<>(from.identities);
    identitiesByLabels = new Table<>(from.identitiesByLabels);
    references = new Table<>(from.references);
    ipv4 = from.ipv4;
    ipv6 = from.ipv6;
    nodes = new Table<>(from.nodes);
    nodesByAddress = new Table<>(from.nodesByAddress);
    services = new Table<>(from.services);
    servicesByFrontend = new Table<>(from.servicesByFrontend);
    clusterConfigs = new Table<>(from.clusterConfigs);
    unsupported = new Table<>(from.unsupported);
  }

  /** Applies one key's change: {@code before} leaves, {@code after} arrives (either may be null). */
  void apply(String key, CiliumObject before, CiliumObject after, long revision) {
    if (before instanceof IpIdentity || after instanceof IpIdentity) {
      // One key, one prefix: replaced in one step so listeners see one change, not a gap.
      IpIdentity b = (IpIdentity) before;
      IpIdentity a = (IpIdentity) after;
      changeIp(a != null ? a.prefix() : b.prefix(), b, a, revision);
      return;
    }
    if (before != null) {
      remove(key, before, revision);
    }
    if (after != null) {
      add(key, after, revision);
    }
  }

  CiliumState build(long revision) {
    return new CiliumState(revision, identities.map, identitiesByLabels.map, references.map, ipv4, ipv6, nodes.map,
        nodesByAddress.map, services.map, servicesByFrontend.map, clusterConfigs.map, unsupported.map);
  }

  List<IdentityChange> identityChanges() {
    return identityChanges;
  }

  List<IpMappingChange> ipChanges() {
    return ipChanges;
  }

  // --- per-kind changes ----------------------------------------------------------------------

  private void add(String key, CiliumObject object, long revision) {
    if (object instanceof SecurityIdentity s) {
      identities.write().put(s.id(), s);
      addTo(identitiesByLabels, s.labels(), s, BY_ID);
      identityChanges.add(new IdentityChange(IdentityChange.Type.ADDED, s, revision));
    } else if (object instanceof IdentityReference r) {
      addTo(references, r.labels(), r, BY_NODE);
    } else if (object instanceof CiliumNode n) {
      nodes.write().put(tail(key, 2), n);
      for (IpPrefix a : n.allAddresses()) {
        addTo(nodesByAddress, a, n, Comparator.comparing(x -> x.keyCluster() + "/" + x.name()));
      }
    } else if (object instanceof ClusterService s) {
      services.write().put(tail(key, 3), s);
      for (IpPrefix f : frontends(s)) {
        addTo(servicesByFrontend, f, s, Comparator.comparing(x -> x.cluster() + "/" + x.namespace() + "/" + x.name()));
      }
    } else if (object instanceof ClusterConfig c) {
      clusterConfigs.write().put(c.cluster(), c);
    } else {
      unsupported.write().put(key, (UnsupportedValue) object);
    }
  }

  private void remove(String key, CiliumObject object, long revision) {
    if (object instanceof SecurityIdentity s) {
      identities.write().remove(s.id());
      removeFrom(identitiesByLabels, s.labels(), s);
      identityChanges.add(new IdentityChange(IdentityChange.Type.REMOVED, s, revision));
    } else if (object instanceof IdentityReference r) {
      removeFrom(references, r.labels(), r);
    } else if (object instanceof CiliumNode n) {
      nodes.write().remove(tail(key, 2));
      for (IpPrefix a : n.allAddresses()) {
        removeFrom(nodesByAddress, a, n);
      }
    } else if (object instanceof ClusterService s) {
      services.write().remove(tail(key, 3));
      for (IpPrefix f : frontends(s)) {
        removeFrom(servicesByFrontend, f, s);
      }
    } else if (object instanceof ClusterConfig c) {
      clusterConfigs.write().remove(c.cluster());
    } else {
      unsupported.write().remove(key);
    }
  }

  private void changeIp(IpPrefix p, IpIdentity removed, IpIdentity added, long revision) {
    PrefixTrie<IpIdentity[]> trie = p.ipv6() ? ipv6 : ipv4;
    IpIdentity[] slot = trie.get(p.hi(), p.lo(), p.length());
    IpIdentity before = slot == null ? null : slot[0];
    IpIdentity[] next = removed == null ? slot : withoutEntry(slot, removed);
    next = added == null ? next : withEntry(next, added);
    trie = next == null ? trie.remove(p.hi(), p.lo(), p.length()) : trie.put(p.hi(), p.lo(), p.length(), next);
    if (p.ipv6()) {
      ipv6 = trie;
    } else {
      ipv4 = trie;
    }
    IpIdentity after = next == null ? null : next[0];
    if (!Objects.equals(before, after)) {
      ipChanges.add(new IpMappingChange(p, before, after, revision));
    }
  }

  /** The slot with {@code entry} in place of any entry of the same address space, sorted. */
  private static IpIdentity[] withEntry(IpIdentity[] slot, IpIdentity entry) {
    List<IpIdentity> out = new ArrayList<>();
    if (slot != null) {
      for (IpIdentity e : slot) {
        if (!e.addressSpace().equals(entry.addressSpace())) {
          out.add(e);
        }
      }
    }
    out.add(entry);
    out.sort(BY_SPACE);
    return out.toArray(new IpIdentity[0]);
  }

  private static IpIdentity[] withoutEntry(IpIdentity[] slot, IpIdentity entry) {
    if (slot == null) {
      return null;
    }
    IpIdentity[] out = Arrays.stream(slot).filter(e -> !e.addressSpace().equals(entry.addressSpace()))
        .toArray(IpIdentity[]::new);
    return out.length == 0 ? null : out;
  }

  private static List<IpPrefix> frontends(ClusterService s) {
    List<IpPrefix> out = new ArrayList<>();
    for (String ip : s.frontends().keySet()) {
      try {
        out.add(IpPrefix.parse(ip));
      } catch (IllegalArgumentException e) {
        // An unparseable frontend cannot be looked up; the service stays findable by name.
      }
    }
    return out;
  }

  private static <K, V> void addTo(Table<K, List<V>> table, K key, V value, Comparator<? super V> order) {
    List<V> list = new ArrayList<>(table.map.getOrDefault(key, List.of()));
    list.add(value);
    list.sort(order);
    table.write().put(key, List.copyOf(list));
  }

  private static <K, V> void removeFrom(Table<K, List<V>> table, K key, V value) {
    List<V> list = new ArrayList<>(table.map.getOrDefault(key, List.of()));
    list.remove(value);
    if (list.isEmpty()) {
      table.write().remove(key);
    } else {
      table.write().put(key, List.copyOf(list));
    }
  }

  /** The last {@code n} '/'-separated segments of a key (cluster/name, cluster/namespace/name). */
  private static String tail(String key, int n) {
    int at = key.length();
    for (int i = 0; i < n; i++) {
      at = key.lastIndexOf('/', at - 1);
    }
    return key.substring(at + 1);
  }

  /** A hash table shared with the previous state until the first write copies it. */
  private static final class Table<K, V> {
    Map<K, V> map;
    private boolean owned;

    Table(Map<K, V> map) {
      this.map = map;
    }

    Map<K, V> write() {
      if (!owned) {
        map = new HashMap<>(map);
        owned = true;
      }
      return map;
    }
  }
}
