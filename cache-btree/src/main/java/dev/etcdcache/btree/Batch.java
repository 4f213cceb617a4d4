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

  /**
   * The finger: the batch-owned leaf the last structural edit ended in, the batch-owned inner
   * nodes above it (root first) with the child index taken at each, and the key interval
   * {@code [fLo, fHi)} the leaf covers ({@code null}: unbounded). While valid, an edit whose key
   * falls into that interval and that neither splits nor underflows the leaf is done in the leaf
   * directly, adjusting the subtree counts on the path, without a descent from the root.
   */
  private boolean fingerOk;

  private Leaf fLeaf;
  private final Inner[] fPath = new Inner[16];
  private final int[] fIdx = new int[16];
  private int fDepth;
  private byte[] fLo;
  private byte[] fHi;

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
    if (fingerOk && inFinger(key)) {
      Leaf l = fLeaf;
      int i = KeyOrder.search(l.keys, l.n, key);
      if (i >= 0) {
        Object old = l.vals[i];
        l.vals[i] = value;
        return (V) old;
      }
      if (l.n < Node.LEAF_MAX) {
        m.reset();
        l.put(key, value, m);
        m.reset();
        adjustPath(1);
        return null;
      }
    }
    m.reset();
    root = Node.putRoot(root, key, value, m);
    V old = (V) m.oldValue;
    afterSlowEdit();
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
    if (fingerOk && inFinger(key)) {
      Leaf l = fLeaf;
      int i = KeyOrder.search(l.keys, l.n, key);
      if (i < 0) {
        return null;
      }
      if (fDepth == 0 || l.n > Node.LEAF_MIN) {
        m.reset();
        l.remove(key, m);
        V old = (V) m.oldValue;
        m.reset();
        adjustPath(-1);
        return old;
      }
    }
    m.reset();
    root = Node.removeRoot(root, key, m);
    V old = (V) m.oldValue;
    afterSlowEdit();
    m.reset();
    return old;
  }

  private boolean inFinger(byte[] key) {
    return (fLo == null || KeyOrder.compare(key, fLo) >= 0)
        && (fHi == null || KeyOrder.compare(key, fHi) < 0);
  }

  private void adjustPath(int delta) {
    for (int d = 0; d < fDepth; d++) {
      Inner in = fPath[d];
      in.counts[fIdx[d]] += delta;
      in.size += delta;
    }
  }

  /** Sets the finger from the path the edit just recorded, if it is wholly batch-owned. */
  private void afterSlowEdit() {
    if (!m.changed) {
      // Nothing changed, so the previous finger (if any) still describes the tree.
      return;
    }
    fingerOk = false;
    if (m.pathBroken) {
      return;
    }
    Object token = m.owner;
    int depth = m.depth;
    Leaf leaf = depth == 0 ? (root instanceof Leaf rl ? rl : null) : m.leaf;
    if (leaf == null || leaf.owner != token) {
      return;
    }
    if (depth == 0) {
      if (root != leaf) {
        return;
      }
    } else {
      if (m.path[0] != root) {
        return;
      }
      for (int d = 0; d < depth; d++) {
        Inner in = m.path[d];
        if (in.owner != token) {
          return;
        }
        Node below = d + 1 < depth ? m.path[d + 1] : leaf;
        if (in.children[m.pathIdx[d]] != below) {
          return;
        }
      }
      System.arraycopy(m.path, 0, fPath, 0, depth);
      System.arraycopy(m.pathIdx, 0, fIdx, 0, depth);
    }
    fDepth = depth;
    fLeaf = leaf;
    fLo = m.lo;
    fHi = m.hi;
    fingerOk = true;
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
    fingerOk = false;
    fLeaf = null;
    fLo = null;
    fHi = null;
    java.util.Arrays.fill(fPath, null);
    return r == start.root ? start : new BPlusTree<>(r);
  }

  private void checkOpen() {
    if (frozen) {
      throw new IllegalStateException("batch already frozen");
    }
  }
}
