package dev.etcdcache.btree;

/**
 * Receives the entries of a range walk, one call per entry, in the walk's order.
 *
 * <p>Called on the thread that called {@link BPlusTree#forEach}; the tree version being walked is
 * immutable, so the visitor may do anything, including reading or editing other versions. The key
 * array is the tree's own: the visitor must not modify it.
 *
 * @param <V> the value type
 */
@FunctionalInterface
public interface EntryVisitor<V> {

  /**
   * Visits one entry.
   *
   * @param key the entry's key; owned by the tree, must not be modified
   * @param value the entry's value, never {@code null}
   * @return {@code true} to continue the walk, {@code false} to stop it after this entry
   */
  boolean visit(byte[] key, V value);
}
