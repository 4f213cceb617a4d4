package dev.etcdcache.core;

import io.etcd.jetcd.ByteSequence;
import java.util.List;
import java.util.Objects;

/**
 * Which prefixes a {@link CachingClient} mirrors on first access rather than at start (see
 * {@link CachingClient.Builder#onDemand}): either each child of one parent (for {@code /registry/}:
 * {@code /registry/pods/}, {@code /registry/services/}, …, a child ending at the first {@code /}
 * after the parent; keys with no {@code /} after the parent belong to no child and are always read
 * from etcd), or a fixed list of prefixes, none inside another.
 *
 * <p>Promise: a read is answered from memory only when its whole key range lies in one prefix that
 * is mirrored and current; every other read is answered by etcd. Immutable.
 *
 * @param parent the parent whose children are mirrored on demand, or an empty sequence when
 *     {@code listed} is used
 * @param listed the prefixes mirrored on demand, or empty when {@code parent} is used
 */
public record OnDemandPrefixes(ByteSequence parent, List<ByteSequence> listed) {

  /** The separator that ends a child of the parent. */
  public static final byte SEPARATOR = '/';

  /** Validates: exactly one of parent and listed, no empty prefix, no prefix inside another. */
  public OnDemandPrefixes {
    Objects.requireNonNull(parent, "parent");
    listed = List.copyOf(listed);
    if (parent.isEmpty() == listed.isEmpty()) {
      throw new IllegalArgumentException("give either a parent or a list of prefixes");
    }
    for (ByteSequence p : listed) {
      if (p.isEmpty()) {
        throw new IllegalArgumentException("an empty on-demand prefix would cover every other");
      }
      for (ByteSequence q : listed) {
        if (p != q && q.startsWith(p)) {
          throw new IllegalArgumentException("on-demand prefix " + q + " lies inside " + p);
        }
      }
    }
  }

  /**
   * Each child of {@code parent} (not empty; {@code /} for every top-level prefix): {@code parent}
   * plus everything up to and including the next {@code /}.
   */
  public static OnDemandPrefixes children(ByteSequence parent) {
    if (Objects.requireNonNull(parent, "parent").isEmpty()) {
      throw new IllegalArgumentException("the parent must not be empty (for every top-level prefix use \"/\")");
    }
    return new OnDemandPrefixes(parent, List.of());
  }

  /** Exactly these prefixes, each mirrored on its first read. */
  public static OnDemandPrefixes of(ByteSequence... prefixes) {
    if (prefixes.length == 0) {
      throw new IllegalArgumentException("at least one prefix");
    }
    return new OnDemandPrefixes(ByteSequence.EMPTY, List.of(prefixes));
  }
}
