package dev.etcdcache.adapter.cilium;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cilium's JSON values to records and back, by hand over Jackson's tree model: each field is read
 * by its Cilium name, so a field a newer Cilium adds is simply never looked at, and a missing one
 * gets Go's zero value. Encoding writes fields in Go struct order and map keys sorted, as
 * {@code json.Marshal} does, so a record decoded from current Cilium data encodes to the same bytes.
 *
 * <p>Stateless; the shared {@link ObjectMapper} is thread-safe once built.
 */
final class CiliumJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private CiliumJson() {}

  static JsonNode parse(byte[] value) {
    try {
      JsonNode node = MAPPER.readTree(value);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
    }
  }

  static byte[] write(ObjectNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  // --- IPIdentityPair ------------------------------------------------------------------------

  static IpIdentity ipIdentity(String addressSpace, IpPrefix prefix, JsonNode n) {
    List<NamedPort> ports = new ArrayList<>();
    for (JsonNode p : n.path("NamedPorts")) {
      ports.add(new NamedPort(text(p, "Name"), (int) number(p, "Port"), text(p, "Protocol")));
    }
    return new IpIdentity(
        addressSpace, prefix, text(n, "IP"), nullableText(n, "Mask"), text(n, "HostIP"), number(n, "ID"),
        (int) number(n, "Key"), text(n, "Metadata"), nullableText(n, "K8sNamespace"), nullableText(n, "K8sPodName"),
        nullableText(n, "K8sPodUID"), nullableText(n, "K8sServiceAccount"), ports);
  }

  static ObjectNode ipIdentity(IpIdentity ip) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("IP", ip.ip());
    if (ip.mask() != null) {
      n.put("Mask", ip.mask());
    }
    n.put("HostIP", ip.hostIp());
    n.put("ID", ip.id());
    n.put("Key", ip.encryptionKey());
    n.put("Metadata", ip.metadata());
    putIfSet(n, "K8sNamespace", ip.k8sNamespace());
    putIfSet(n, "K8sPodName", ip.k8sPodName());
    putIfSet(n, "K8sPodUID", ip.k8sPodUid());
    putIfSet(n, "K8sServiceAccount", ip.k8sServiceAccount());
    if (!ip.namedPorts().isEmpty()) {
      ArrayNode ports = n.putArray("NamedPorts");
      for (NamedPort p : ip.namedPorts()) {
        ports.addObject().put("Name", p.name()).put("Port", p.port()).put("Protocol", p.protocol());
      }
    }
    return n;
  }

  // --- Node ----------------------------------------------------------------------------------

  static CiliumNode node(String keyCluster, JsonNode n) {
    List<NodeAddress> addresses = new ArrayList<>();
    for (JsonNode a : n.path("IPAddresses")) {
      // Cilium before 1.x wrote the type as AddressType (kvstore.rst example).
      String type = a.has("Type") ? text(a, "Type") : text(a, "AddressType");
      addresses.add(new NodeAddress(type, text(a, "IP")));
    }
    return new CiliumNode(
        keyCluster, text(n, "Name"), text(n, "Cluster"), addresses, cidr(n.get("IPv4AllocCIDR")),
        cidr(n.get("IPv6AllocCIDR")), cidrs(n.path("IPv4SecondaryAllocCIDRs")), cidrs(n.path("IPv6SecondaryAllocCIDRs")),
        text(n, "IPv4HealthIP"), text(n, "IPv6HealthIP"), text(n, "IPv4IngressIP"), text(n, "IPv6IngressIP"),
        number(n, "ClusterID"), text(n, "Source"), (int) number(n, "EncryptionKey"), stringMap(n.path("Labels")),
        stringMap(n.path("Annotations")), number(n, "NodeIdentity"), text(n, "WireguardPubKey"), text(n, "BootID"));
  }

  static ObjectNode node(CiliumNode node) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("Name", node.name());
    n.put("Cluster", node.cluster());
    ArrayNode addresses = n.putArray("IPAddresses");
    for (NodeAddress a : node.addresses()) {
      addresses.addObject().put("Type", a.type()).put("IP", a.ip());
    }
    putCidr(n, "IPv4AllocCIDR", node.ipv4AllocCidr());
    putCidrs(n, "IPv4SecondaryAllocCIDRs", node.ipv4SecondaryAllocCidrs());
    putCidr(n, "IPv6AllocCIDR", node.ipv6AllocCidr());
    putCidrs(n, "IPv6SecondaryAllocCIDRs", node.ipv6SecondaryAllocCidrs());
    n.put("IPv4HealthIP", node.ipv4HealthIp());
    n.put("IPv6HealthIP", node.ipv6HealthIp());
    n.put("IPv4IngressIP", node.ipv4IngressIp());
    n.put("IPv6IngressIP", node.ipv6IngressIp());
    n.put("ClusterID", node.clusterId());
    n.put("Source", node.source());
    n.put("EncryptionKey", node.encryptionKey());
    putMapOrNull(n, "Labels", node.labels());
    putMapOrNull(n, "Annotations", node.annotations());
    if (node.nodeIdentity() != 0) {
      n.put("NodeIdentity", node.nodeIdentity());
    }
    n.put("WireguardPubKey", node.wireguardPubKey());
    n.put("BootID", node.bootId());
    return n;
  }

  // --- ClusterService ------------------------------------------------------------------------

  static ClusterService service(JsonNode n) {
    Map<String, BackendZone> zones = new HashMap<>();
    n.path("zones").fields().forEachRemaining(e -> {
      List<String> forZones = new ArrayList<>();
      for (JsonNode z : e.getValue().path("forZones")) {
        forZones.add(text(z, "name"));
      }
      zones.put(e.getKey(), new BackendZone(text(e.getValue(), "zone"), forZones));
    });
    return new ClusterService(
        text(n, "cluster"), text(n, "namespace"), text(n, "name"), ports(n.path("frontends")),
        ports(n.path("backends")), stringMap(n.path("hostnames")), zones, stringMap(n.path("labels")),
        stringMap(n.path("selector")), n.path("includeExternal").asBoolean(), n.path("shared").asBoolean(),
        number(n, "clusterID"));
  }

  static ObjectNode service(ClusterService s) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("cluster", s.cluster());
    n.put("namespace", s.namespace());
    n.put("name", s.name());
    putPorts(n.putObject("frontends"), s.frontends());
    putPorts(n.putObject("backends"), s.backends());
    if (!s.hostnames().isEmpty()) {
      new TreeMap<>(s.hostnames()).forEach(n.putObject("hostnames")::put);
    }
    if (!s.zones().isEmpty()) {
      ObjectNode zones = n.putObject("zones");
      new TreeMap<>(s.zones()).forEach((ip, z) -> {
        ObjectNode zone = zones.putObject(ip).put("zone", z.zone());
        ArrayNode forZones = zone.putArray("forZones");
        z.forZones().forEach(name -> forZones.addObject().put("name", name));
      });
    }
    new TreeMap<>(s.labels()).forEach(n.putObject("labels")::put);
    new TreeMap<>(s.selector()).forEach(n.putObject("selector")::put);
    n.put("includeExternal", s.includeExternal());
    n.put("shared", s.shared());
    n.put("clusterID", s.clusterId());
    return n;
  }

  // --- CiliumClusterConfig -------------------------------------------------------------------

  static ClusterConfig clusterConfig(String cluster, JsonNode n) {
    JsonNode c = n.path("capabilities");
    return new ClusterConfig(
        cluster, number(n, "id"), c.path("syncedCanaries").asBoolean(), number(c, "maxConnectedClusters"),
        c.path("serviceExportsEnabled").asBoolean());
  }

  static ObjectNode clusterConfig(ClusterConfig c) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("id", c.id());
    n.putObject("capabilities")
        .put("syncedCanaries", c.syncedCanaries())
        .put("maxConnectedClusters", c.maxConnectedClusters())
        .put("serviceExportsEnabled", c.serviceExportsEnabled());
    return n;
  }

  // --- field helpers -------------------------------------------------------------------------

  /** A string field; Go's zero value "" when absent or null. */
  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " is not a string");
    }
    return v.textValue();
  }

  /** An omitempty string field: null when absent, null or empty. */
  private static String nullableText(JsonNode n, String field) {
    String s = text(n, field);
    return s.isEmpty() ? null : s;
  }

  /** An unsigned integer field; 0 when absent or null. */
  private static long number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
      throw new IllegalArgumentException(field + " is not an unsigned integer: " + v);
    }
    return v.longValue();
  }

  private static Map<String, String> stringMap(JsonNode n) {
    Map<String, String> out = new HashMap<>();
    n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static NodeCidr cidr(JsonNode n) {
    return n == null || n.isNull() ? null : new NodeCidr(text(n, "IP"), text(n, "Mask"));
  }

  private static List<NodeCidr> cidrs(JsonNode n) {
    List<NodeCidr> out = new ArrayList<>();
    for (JsonNode c : n) {
      if (!c.isNull()) {
        out.add(cidr(c));
      }
    }
    return out;
  }

  private static Map<String, Map<String, L4Addr>> ports(JsonNode n) {
    Map<String, Map<String, L4Addr>> out = new HashMap<>();
    n.fields().forEachRemaining(ip -> {
      Map<String, L4Addr> byName = new HashMap<>();
      ip.getValue().fields().forEachRemaining(p ->
          byName.put(p.getKey(), new L4Addr(text(p.getValue(), "Protocol"), (int) number(p.getValue(), "Port"))));
      out.put(ip.getKey(), byName);
    });
    return out;
  }

  private static void putIfSet(ObjectNode n, String field, String value) {
    if (value != null && !value.isEmpty()) {
      n.put(field, value);
    }
  }

  private static void putCidr(ObjectNode n, String field, NodeCidr cidr) {
    if (cidr == null) {
      n.putNull(field);
    } else {
      n.putObject(field).put("IP", cidr.ip()).put("Mask", cidr.mask());
    }
  }

  /** Go marshals a nil slice as null; the records cannot tell nil from empty, so empty is nil. */
  private static void putCidrs(ObjectNode n, String field, List<NodeCidr> cidrs) {
    if (cidrs.isEmpty()) {
      n.putNull(field);
      return;
    }
    ArrayNode a = n.putArray(field);
    cidrs.forEach(c -> a.addObject().put("IP", c.ip()).put("Mask", c.mask()));
  }

  private static void putMapOrNull(ObjectNode n, String field, Map<String, String> map) {
    if (map.isEmpty()) {
      n.putNull(field);
    } else {
      new TreeMap<>(map).forEach(n.putObject(field)::put);
    }
  }

  private static void putPorts(ObjectNode n, Map<String, Map<String, L4Addr>> ports) {
    new TreeMap<>(ports).forEach((ip, byName) -> {
      ObjectNode o = n.putObject(ip);
      new TreeMap<>(byName).forEach((name, a) -> o.putObject(name).put("Protocol", a.protocol()).put("Port", a.port()));
    });
  }
}
