package dev.etcdcache.adapter.kubernetes;

import java.util.Objects;

/**
 * One entry of an object's {@code metadata.ownerReferences}: the object that owns it (a ReplicaSet
 * owning a Pod, a Job owning its Pods). Immutable.
 *
 * @param apiVersion the owner's API version
 * @param kind the owner's kind
 * @param name the owner's name
 * @param uid the owner's uid
 * @param controller whether the owner is the managing controller
 */
public record OwnerReference(String apiVersion, String kind, String name, String uid, boolean controller) {

  /** Validates the reference. */
  public OwnerReference {
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(uid, "uid");
  }
}
