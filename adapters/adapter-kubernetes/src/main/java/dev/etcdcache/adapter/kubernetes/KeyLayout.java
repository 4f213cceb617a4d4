package dev.etcdcache.adapter.kubernetes;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where kube-apiserver keeps each object in etcd: {@code <prefix>/<resource>/<namespace>/<name>} for
 * namespaced objects and {@code <prefix>/<resource>/<name>} for cluster-scoped ones, with the
 * irregular resource paths of the built-in types ({@code services/specs}, {@code services/endpoints},
 * {@code minions} for nodes, {@code controllers} for replication controllers, {@code ingress}) and
 * {@code <group>/<resource>} for custom resources, CRDs and API services. The prefix is
 * kube-apiserver's {@code --etcd-prefix} ({@code /registry} by default).
 *
 * <p>The table is the one Kubernetes' own {@code TestEtcdStoragePath} asserts against a real etcd
 * ({@code test/integration/etcd/data.go}). Immutable and thread-safe.
 */
public final class KeyLayout {

  /** kube-apiserver's default {@code --etcd-prefix}. */
  public static final String DEFAULT_PREFIX = "/registry";

  // Storage paths that are not the plural resource name, per group ("" = core). These names are
  // frozen in kube-apiserver's storage code since 1.0 (e.g. nodes were called minions then).
  private static final Map<String, String> IRREGULAR = Map.of(
      "/services", "services/specs",
      "/endpoints", "services/endpoints",
      "/nodes", "minions",
      "/replicationcontrollers", "controllers",
      "networking.k8s.io/ingresses", "ingress",
      "extensions/ingresses", "ingress");

  // Groups whose resources are stored without the group in the path. Every other group (custom
  // resources) and the two that kube-apiserver serves through its own extension servers
  // (apiextensions.k8s.io, apiregistration.k8s.io) are stored as <group>/<resource>.
  private static final Set<String> UNQUALIFIED_GROUPS = Set.of(
      "", "apps", "autoscaling", "batch", "extensions", "policy",
      "admissionregistration.k8s.io", "certificates.k8s.io", "coordination.k8s.io",
      "discovery.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io",
      "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io",
      "rbac.authorization.k8s.io", "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io",
      "storagemigration.k8s.io");

  private final String prefix;

  private KeyLayout(String prefix) {
    this.prefix = prefix;
  }

  /** The layout under kube-apiserver's default prefix {@code /registry}. */
  public static KeyLayout standard() {
    return new KeyLayout(DEFAULT_PREFIX);
  }

  /**
   * The layout under {@code etcdPrefix}, as given to kube-apiserver's {@code --etcd-prefix}; a
   * trailing {@code /} is ignored.
   *
   * @throws IllegalArgumentException if the prefix is empty or only slashes
   */
  public static KeyLayout of(String etcdPrefix) {
    Objects.requireNonNull(etcdPrefix, "etcdPrefix");
    String trimmed = etcdPrefix;
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("an etcd prefix needs a name: '" + etcdPrefix + "'");
    }
    return new KeyLayout(trimmed);
  }

  /** The prefix without a trailing slash, e.g. {@code /registry}. */
  public String prefix() {
    return prefix;
  }

  /** The prefix every object key starts with, e.g. {@code /registry/}. */
  public String objectsPrefix() {
    return prefix + "/";
  }

  /**
   * The storage path of a resource below the prefix: {@code pods}, {@code services/specs},
   * {@code cr.bar.com/foos}.
   *
   * @param group the API group, {@code ""} for the core group
   * @param resource the plural resource name, as in the API's URL
   */
  public String resourcePath(String group, String resource) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(resource, "resource");
    String irregular = IRREGULAR.get(group + "/" + resource);
    if (irregular != null) {
      return irregular;
    }
    return UNQUALIFIED_GROUPS.contains(group) ? resource : group + "/" + resource;
  }

  /** The key prefix of every object of a resource, ending in {@code /}. */
  public String resourcePrefix(String group, String resource) {
    return prefix + "/" + resourcePath(group, resource) + "/";
  }

  /** The key prefix of a resource's objects in one namespace, ending in {@code /}. */
  public String namespacePrefix(String group, String resource, String namespace) {
    requireSegment(namespace, "namespace");
    return resourcePrefix(group, resource) + namespace + "/";
  }

  /**
   * The etcd key of one object.
   *
   * @param namespace the namespace, or {@code ""} for a cluster-scoped object
   */
  public String key(String group, String resource, String namespace, String name) {
    Objects.requireNonNull(namespace, "namespace");
    requireSegment(name, "name");
    return namespace.isEmpty()
        ? resourcePrefix(group, resource) + name
        : namespacePrefix(group, resource, namespace) + name;
  }

  /**
   * Takes an object key apart; empty for keys outside the prefix or not shaped like an object key
   * (kube-apiserver's own {@code compact_rev_key}, a bare resource prefix).
   */
  public Optional<ResourceKey> parse(String key) {
    Objects.requireNonNull(key, "key");
    if (!key.startsWith(prefix) || key.length() <= prefix.length() + 1 || key.charAt(prefix.length()) != '/') {
      return Optional.empty();
    }
    String[] segments = key.substring(prefix.length() + 1).split("/", -1);
    // Two-segment resource paths: services/specs, services/endpoints, and <group>/<resource>
    // (a group always has a dot; a built-in plural resource name never does).
    int pathLength = segments[0].equals("services") || segments[0].contains(".") ? 2 : 1;
    int rest = segments.length - pathLength;
    if (rest < 1 || rest > 2) {
      return Optional.empty();
    }
    for (String segment : segments) {
      if (segment.isEmpty()) {
        return Optional.empty();
      }
    }
    String path = pathLength == 1 ? segments[0] : segments[0] + "/" + segments[1];
    return rest == 1
        ? Optional.of(new ResourceKey(path, "", segments[pathLength]))
        : Optional.of(new ResourceKey(path, segments[pathLength], segments[pathLength + 1]));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KeyLayout layout && layout.prefix.equals(prefix);
  }

  @Override
  public int hashCode() {
    return prefix.hashCode();
  }

  @Override
  public String toString() {
    return "KeyLayout[" + prefix + "]";
  }

  private static void requireSegment(String segment, String what) {
    Objects.requireNonNull(segment, what);
    if (segment.isEmpty() || segment.indexOf('/') >= 0) {
      throw new IllegalArgumentException("a " + what + " is one non-empty key segment: '" + segment + "'");
    }
  }
}
