/**
 * A persistent (copy-on-write) B+tree map from {@code byte[]} keys in etcd's order (unsigned
 * lexicographic) to values, with subtree sizes so that range counts, ranks and the k-th key take
 * O(log n).
 *
 * <p>Public types: {@link dev.etcdcache.btree.BPlusTree} (an immutable version, which is also its
 * own O(1) snapshot), {@link dev.etcdcache.btree.Batch} (a single-threaded transient that edits a
 * version in place and freezes into a new one) and {@link dev.etcdcache.btree.EntryVisitor}.
 * Everything else in this package is internal and carries no compatibility promise.
 */
package dev.etcdcache.btree;
