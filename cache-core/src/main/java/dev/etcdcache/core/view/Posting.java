package dev.etcdcache.core.view;

import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.EntryVisitor;
import java.util.Arrays;

/**
 * The keys that have one value in one index, each with its object, in etcd key order.
 *
 * <p>A value held by one key (every value of a unique index such as a name or a UID) is kept inline:
 * two references, no tree. Values held by several keys keep them in a persistent B+tree keyed by the
 * etcd key itself, so a walk hands out the keys the objects tree holds without copying them.
 *
 * <p>Immutable and thread-safe; never empty.
 *
 * @param <T> the object type
 */
final class Posting<T> {

  private final byte[] key;
  private final T object;
  private final BPlusTree<T> tree;

  private Posting(byte[] key, T object, BPlusTree<T> tree) {
    this.key = key;
    this.object = object;
    this.tree = tree;
  }

  static <T> Posting<T> single(byte[] key, T object) {
    return new Posting<>(key, object, null);
  }

  /** The posting holding {@code tree}'s entries; null when it is empty. */
  static <T> Posting<T> of(BPlusTree<T> tree) {
    return switch (tree.size()) {
      case 0 -> null;
      case 1 -> single(tree.keyAt(0), tree.valueAt(0));
      default -> new Posting<>(null, null, tree);
    };
  }

  int size() {
    return tree == null ? 1 : tree.size();
  }

  boolean isSingle() {
    return tree == null;
  }

  /** The single key; only when {@link #isSingle()}. */
  byte[] singleKey() {
    return key;
  }

  /** The entries as a tree (a one-entry tree for a single key), to edit. */
  BPlusTree<T> tree() {
    return tree != null ? tree : BPlusTree.<T>empty().put(key, object);
  }

  boolean containsKey(byte[] k) {
    return tree == null ? Arrays.equals(key, k) : tree.containsKey(k);
  }

  /** Visits the entries in key order until {@code visitor} returns false. */
  void forEach(EntryVisitor<? super T> visitor) {
    if (tree == null) {
      visitor.visit(key, object);
    } else {
      tree.forEach(null, null, false, 0, visitor);
    }
  }
}
