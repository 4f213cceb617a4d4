package dev.etcdcache.adapter.cilium;

import java.util.Objects;

/**
 * A security identity appeared or went away at a revision. A master key whose labels change is
 * reported as the old identity removed, then the new one added, both at that revision.
 *
 * <p>Immutable and thread-safe.
 *
 * @param type added or removed
 * @param identity the identity added, or the one removed (with the labels it had)
 * @param revision the etcd revision of the change
 */
public record IdentityChange(Type type, SecurityIdentity identity, long revision) {

  /** What happened to the identity. */
  public enum Type {
    /** The master key {@code identities/v1/id/<id>} now holds these labels. */
    ADDED,
    /** The master key no longer holds these labels (deleted, or relabelled). */
    REMOVED
  }

  /** Checks the parts. */
  public IdentityChange {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(identity, "identity");
  }
}
