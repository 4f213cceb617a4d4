package dev.etcdcache.adapter.cilium;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.AdapterMetrics;
import dev.etcdcache.api.IndexDefinition;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Decodes Cilium's kvstore keys and values into {@link CiliumObject} records; the record type
 * follows from where the key sits in the layout ({@link CiliumKeys}).
 *
 * <ul>
 *   <li>{@code <state>identities/v1/id/<id>} → {@link SecurityIdentity} (value: labels in kvstore form)</li>
 *   <li>{@code <state>identities/v1/value/<labels>/<node>} → {@link IdentityReference} (value: decimal id)</li>
 *   <li>{@code <state>ip/v1/<address space>/<ip or cidr>} → {@link IpIdentity} (JSON {@code IPIdentityPair})</li>
 *   <li>{@code <state>nodes/v1/<cluster>/<name>} → {@link CiliumNode} (JSON {@code Node}, old and new form)</li>
 *   <li>{@code <state>services/v1/<cluster>/<namespace>/<name>} → {@link ClusterService}</li>
 *   <li>{@code <cluster-config>/<cluster>} → {@link ClusterConfig}</li>
 *   <li>{@code endpointslices/v1} (zstd-compressed protobuf), {@code serviceexports/v1} and any other
 *       key under the state prefix → {@link UnsupportedValue} with its reason, kept and counted</li>
 *   <li>allocator locks under the state prefix and every key outside both prefixes (heartbeat,
 *       sync markers, init locks) are not {@linkplain #accept accepted}: a view does not hold them</li>
 * </ul>
 *
 * <p>A malformed value (bad JSON, bad id, a key that does not fit its area) throws
 * {@link IllegalArgumentException}, which a view counts as a decode failure. Thread-safe; stateless
 * but for the metrics binding.
 *
 * <p>With metrics bound it keeps, under {@code cilium.*}: {@code identities} (gauge),
 * {@code ipcache.entries} (gauge; tags family=ipv4|ipv6, prefix_length) and {@code changes}
 * (counter; tags kind as {@link #kindOf}, type=created|updated|deleted).
 */
public final class CiliumAdapter implements Adapter<CiliumObject> {

  /** An index of every object by its kind ({@code identity}, {@code ip}, {@code node}, ...). */
  public static final IndexDefinition<CiliumObject> KIND = IndexDefinition.single("cilium.kind", CiliumAdapter::kindOf);

  private static final String ZSTD_REASON =
      "Cilium stores endpoint slices as zstd-compressed protobuf (ClusterEndpointSlice); not decoded";

  private final CiliumKeys keys;
  /** Null until a view binds metrics. */
  private volatile CiliumMeters meters;

  private CiliumAdapter(CiliumKeys keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  /** The adapter for Cilium's default layout ({@link CiliumKeys#DEFAULT}). */
  public static CiliumAdapter create() {
    return new CiliumAdapter(CiliumKeys.DEFAULT);
  }

  /** The adapter for {@code keys}. */
  public static CiliumAdapter create(CiliumKeys keys) {
    return new CiliumAdapter(keys);
  }

  /** The layout this adapter reads. */
  public CiliumKeys keys() {
    return keys;
  }

  /** The kind name {@link #KIND} files {@code object} under. */
  public static String kindOf(CiliumObject object) {
    if (object instanceof SecurityIdentity) {
      return "identity";
    } else if (object instanceof IdentityReference) {
      return "identity-reference";
    } else if (object instanceof IpIdentity) {
      return "ip";
    } else if (object instanceof CiliumNode) {
      return "node";
    } else if (object instanceof ClusterService) {
      return "service";
    } else if (object instanceof ClusterConfig) {
      return "cluster-config";
    }
    return "unsupported";
  }

  /** Keeps the identity, IP-cache and change meters described above; a shared adapter keeps the last binding. */
  @Override
  public void bindMetrics(AdapterMetrics metrics) {
    meters = new CiliumMeters(metrics);
  }

  @Override
  public void observeChange(CiliumObject previous, CiliumObject current) {
    CiliumMeters m = meters;
    if (m != null) {
      m.change(previous, current);
    }
  }

  @Override
  public CiliumObject decode(byte[] key, byte[] value) {
    String k = new String(key, StandardCharsets.UTF_8);
    if (k.startsWith(keys.clusterConfigPrefix())) {
      String cluster = singleSegment(k, keys.clusterConfigPrefix().length());
      return CiliumJson.clusterConfig(cluster, CiliumJson.parse(value));
    }
    if (!k.startsWith(keys.statePrefix())) {
      return new UnsupportedValue(k, "outside", "outside Cilium's state and cluster-config areas", value.length);
    }
    String rest = k.substring(keys.statePrefix().length());
    if (rest.startsWith("identities/v1/id/")) {
      return new SecurityIdentity(parseId(rest.substring("identities/v1/id/".length())), labels(value));
    }
    if (rest.startsWith("identities/v1/value/")) {
      return reference(rest.substring("identities/v1/value/".length()), value);
    }
    if (rest.startsWith("ip/v1/")) {
      String tail = rest.substring("ip/v1/".length());
      int slash = tail.indexOf('/');
      if (slash <= 0 || slash == tail.length() - 1) {
        throw new IllegalArgumentException("ip key without address space and address: " + k);
      }
      IpPrefix prefix = IpPrefix.parse(tail.substring(slash + 1));
      return CiliumJson.ipIdentity(tail.substring(0, slash), prefix, CiliumJson.parse(value));
    }
    if (rest.startsWith("nodes/v1/")) {
      String[] parts = segments(k, rest.substring("nodes/v1/".length()), 2);
      return CiliumJson.node(parts[0], CiliumJson.parse(value));
    }
    if (rest.startsWith("services/v1/")) {
      segments(k, rest.substring("services/v1/".length()), 3);
      return CiliumJson.service(CiliumJson.parse(value));
    }
    if (rest.startsWith("endpointslices/v1/")) {
      return new UnsupportedValue(k, "endpointslices/v1", ZSTD_REASON, value.length);
    }
    if (rest.startsWith("serviceexports/v1/")) {
      return new UnsupportedValue(k, "serviceexports/v1", "service exports are not decoded by this adapter", value.length);
    }
    if (rest.startsWith("identities/v1/locks/")) {
      return new UnsupportedValue(k, "identities/v1/locks", "allocator lock; not kept", value.length);
    }
    int slash = rest.indexOf('/', rest.indexOf('/') + 1);
    String kind = slash < 0 ? rest : rest.substring(0, slash);
    return new UnsupportedValue(k, kind, "no decoder for this part of Cilium's layout", value.length);
  }

  @Override
  public byte[] encode(CiliumObject object) {
    if (object instanceof SecurityIdentity s) {
      return s.labels().toKvstoreString().getBytes(StandardCharsets.UTF_8);
    } else if (object instanceof IdentityReference r) {
      return Long.toString(r.id()).getBytes(StandardCharsets.UTF_8);
    } else if (object instanceof IpIdentity ip) {
      return CiliumJson.write(CiliumJson.ipIdentity(ip));
    } else if (object instanceof CiliumNode node) {
      return CiliumJson.write(CiliumJson.node(node));
    } else if (object instanceof ClusterService s) {
      return CiliumJson.write(CiliumJson.service(s));
    } else if (object instanceof ClusterConfig c) {
      return CiliumJson.write(CiliumJson.clusterConfig(c));
    }
    throw new UnsupportedOperationException("cannot encode " + ((UnsupportedValue) object).kind() + ": "
        + ((UnsupportedValue) object).reason());
  }

  @Override
  public List<IndexDefinition<CiliumObject>> indexes() {
    return List.of(KIND);
  }

  /**
   * Keeps everything under the state and cluster-config prefixes except allocator locks: a view
   * over {@link CiliumKeys#viewPrefix()} also sees heartbeats, sync markers and init locks, which
   * carry no object.
   */
  @Override
  public boolean accept(byte[] key, CiliumObject object) {
    if (!(object instanceof UnsupportedValue u)) {
      return true;
    }
    return !u.kind().equals("outside") && !u.kind().equals("identities/v1/locks");
  }

  // --- key and value parts -------------------------------------------------------------------

  private static IdentityReference reference(String tail, byte[] value) {
    // Label keys may hold '/', the node suffix (an IP) never does: split at the last one.
    int slash = tail.lastIndexOf('/');
    if (slash <= 0 || slash == tail.length() - 1) {
      throw new IllegalArgumentException("identity reference key without labels and node: " + tail);
    }
    String id = new String(value, StandardCharsets.UTF_8);
    return new IdentityReference(LabelSet.parseKvstore(tail.substring(0, slash)), tail.substring(slash + 1), parseId(id));
  }

  private static LabelSet labels(byte[] value) {
    return LabelSet.parseKvstore(new String(value, StandardCharsets.UTF_8));
  }

  private static long parseId(String text) {
    if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("not a numeric identity: '" + text + "'");
    }
    return Long.parseLong(text);
  }

  private static String singleSegment(String key, int from) {
    String s = key.substring(from);
    if (s.isEmpty() || s.indexOf('/') >= 0) {
      throw new IllegalArgumentException("expected one segment after the prefix: " + key);
    }
    return s;
  }

  private static String[] segments(String key, String tail, int count) {
    String[] parts = tail.split("/", -1);
    if (parts.length != count || List.of(parts).contains("")) {
      throw new IllegalArgumentException("expected " + count + " segments: " + key);
    }
    return parts;
  }
}
