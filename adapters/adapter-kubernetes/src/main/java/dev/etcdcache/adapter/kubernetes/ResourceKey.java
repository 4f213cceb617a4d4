package dev.etcdcache.adapter.kubernetes;

import java.util.Objects;

/**
 * An etcd key of a Kubernetes object taken apart: the resource's storage path, the namespace and
 * the name. Immutable.
 *
 * @param resourcePath the storage path of the resource below the etcd prefix, as kube-apiserver
 *     writes it: {@code pods}, {@code services/specs}, {@code minions} (nodes),
 *     {@code cr.bar.com/foos} (a custom resource)
 * @param namespace the namespace, or {@code ""} for a cluster-scoped object
 * @param name the object's name
 */
public record ResourceKey(String resourcePath, String namespace, String name) {

  /** Validates the parts. */
  public ResourceKey {
    Objects.requireNonNull(resourcePath, "resourcePath");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    if (resourcePath.isEmpty() || name.isEmpty()) {
      throw new IllegalArgumentException("a resource key needs a resource path and a name");
    }
  }

  /** Whether the object is cluster-scoped (its key has no namespace segment). */
  public boolean clusterScoped() {
    return namespace.isEmpty();
  }
}
