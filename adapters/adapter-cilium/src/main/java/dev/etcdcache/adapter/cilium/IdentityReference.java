package dev.etcdcache.adapter.cilium;

import java.util.Objects;

/**
 * A node's reference to an identity, the allocator's reverse key
 * {@code identities/v1/value/<labels>/<node suffix>} → the id as a decimal string. Each agent
 * using the identity holds one, bound to its lease.
 *
 * <p>Immutable and thread-safe.
 *
 * @param labels the identity's labels (from the key)
 * @param nodeSuffix the agent's node suffix: its IPv4 address, else IPv6 (from the key)
 * @param id the numeric identity (the value)
 */
public record IdentityReference(LabelSet labels, String nodeSuffix, long id) implements CiliumObject {

  /** Validates the parts. */
  public IdentityReference {
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(nodeSuffix, "nodeSuffix");
    if (id < 0 || id > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("identity out of uint32 range: " + id);
    }
  }
}
