package dev.etcdcache.core.store;

import dev.etcdcache.btree.BPlusTree;
import java.util.Objects;

/**
 * The mirrored keys exactly as they were at one etcd revision: an immutable B+tree root. Taking,
 * holding and reading one is safe from any thread and never blocks the mirror.
 *
 * @param revision the etcd revision this version is exact at
 * @param tree every mirrored key at {@code revision}, keyed by its bytes, each holding its
 *     {@link StoredValue} (value, create/mod revision, version, lease)
 * @param publishedNanos when the mirror published it, on the mirror's ticker
 */
public record StoreVersion(long revision, BPlusTree<byte[]> tree, long publishedNanos) {

  /** Validates the version. */
  public StoreVersion {
    Objects.requireNonNull(tree, "tree");
    if (revision < 0) {
      throw new IllegalArgumentException("negative revision " + revision);
    }
  }

  /** The same keys, known to be exact at a later revision (nothing in the mirrored ranges changed). */
  public StoreVersion advancedTo(long laterRevision, long nanos) {
    if (laterRevision < revision) {
      throw new IllegalArgumentException(laterRevision + " < " + revision);
    }
    return new StoreVersion(laterRevision, tree, nanos);
  }
}
