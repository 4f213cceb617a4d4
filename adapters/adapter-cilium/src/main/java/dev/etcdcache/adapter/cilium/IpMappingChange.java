package dev.etcdcache.adapter.cilium;

import java.util.Objects;

/**
 * The entry an IP cache prefix resolves to changed at a revision: created ({@code before} null),
 * removed ({@code after} null) or replaced. Reported only when the resolved entry really changed;
 * when several address spaces hold the same prefix the first in key order is the resolved one.
 *
 * <p>Immutable and thread-safe.
 *
 * @param prefix the address or CIDR
 * @param before the entry before, or null
 * @param after the entry after, or null
 * @param revision the etcd revision of the change
 */
public record IpMappingChange(IpPrefix prefix, IpIdentity before, IpIdentity after, long revision) {

  /** Checks the parts. */
  public IpMappingChange {
    Objects.requireNonNull(prefix, "prefix");
    if (before == null && after == null) {
      throw new IllegalArgumentException("a mapping change has a before or an after");
    }
  }
}
