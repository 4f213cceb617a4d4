package dev.etcdcache.btree;

import java.util.Objects;

/**
 * A transient, mutable view of one {@link BPlusTree} version, for applying many edits at once
 * (for example all events of one etcd watch response) and publishing the result as one new
 * version with {@link #freeze()}.
 *
 * <p>Each node an edit touches is copied once, on first touch, and owned by the batch (an owner
 * token, as in Clojure's transients); later edits change owned nodes in place. The version the
 * batch started from, and every other version, is never affected.
 *
 * <p>Thread-safety: none. A batch must be used by one thread at a time (hand-off with a
 * happens-before edge is fine). After {@link #freeze()} every method throws {@link
 * IllegalStateException}. Keys are stored by reference: callers must never modify a key array
 * after passing it in. Keys and values are never {@code null}.
 *
 * @param <V> the value type
 */
public final class Batch<V> {

  private BPlusTree<V> base;
  private final Mutation m = new Mutation(new Object());
  private Node root;
  private boolean frozen;

  Batch(BPlusTree<V> base) {
    this.base = base;
    this.root = base.root;
  }

  /**
   * Maps {@code key} to {@code value}.
   *
   * @param key stored by reference: the caller must never modify it afterwards
   * @return the previous value, or {@code null} if there was none
   * @throws NullPointerException if {@code key} or {@code value} is null
   * @throws IllegalStateException if the batch was frozen
   */
  @SuppressWarnings("unchecked")
  public V put(byte[] key, V value) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    m.reset();
    root = Node.putRoot(root, key, value, m);
    V old = (V) m.oldValue;
    m.reset();
    return old;
  }

  /**
   * Removes {@code key}.
   *
   * @return the removed value, or {@code null} if {@code key} was absent
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalStateException if the batch was frozen
   */
  @SuppressWarnings("unchecked")
  public V remove(byte[] key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    m.reset();
    root = Node.removeRoot(root, key, m);
    V old = (V) m.oldValue;
    m.reset();
    return old;
  }

  /**
   * Returns the value for {@code key} as edited so far, or {@code null} if absent.
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalStateException if the batch was frozen
   */
  public V get(byte[] key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    return BPlusTree.lookup(root, key);
  }

  /**
   * Returns the number of entries as edited so far.
   *
   * @throws IllegalStateException if the batch was frozen
   */
  public int size() {
    checkOpen();
    return root.size();
  }

  /**
   * Ends the batch and returns its result as an immutable version, in O(1): the batch's nodes
   * become immutable because the batch, the only holder of their owner token, refuses all further
   * use. Returns the starting version itself if nothing changed.
   *
   * @throws IllegalStateException if the batch was already frozen
   */
  public BPlusTree<V> freeze() {
    checkOpen();
    frozen = true;
    BPlusTree<V> start = base;
    Node r = root;
    // Drop both so a batch kept around by mistake retains no version.
    base = null;
    root = null;
    return r == start.root ? start : new BPlusTree<>(r);
  }

  private void checkOpen() {
    if (frozen) {
      throw new IllegalStateException("batch already frozen");
    }
  }
}
