package dev.etcdcache.adapter.cilium;

import java.util.Objects;

/**
 * A security identity's master key, {@code identities/v1/id/<id>} → its labels.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the numeric identity (Cilium's {@code NumericIdentity}, a uint32)
 * @param labels the identity's labels
 */
public record SecurityIdentity(long id, LabelSet labels) implements CiliumObject {

  /** Validates the id range and labels. */
  public SecurityIdentity {
    Objects.requireNonNull(labels, "labels");
    if (id < 0 || id > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("identity out of uint32 range: " + id);
    }
  }
}
