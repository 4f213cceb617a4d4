package dev.etcdcache.btree;

import java.util.Arrays;

/**
 * A leaf: up to {@link Node#LEAF_MAX} entries, keys and values in two parallel arrays sorted by
 * key, so an entry costs two references and no object of its own.
 *
 * <p>Immutable unless owned by a live batch (see {@link Node}). Arrays of immutable leaves have
 * exactly {@code n} slots unless a batch grew them; a persistent edit trims them again.
 */
final class Leaf extends Node {

  /** The root of the empty tree; never owned, so never changed. */
  static final Leaf EMPTY = new Leaf(null, 0, new byte[0][], new Object[0]);

  byte[][] keys;
  Object[] vals;

  Leaf(Object owner, int n, byte[][] keys, Object[] vals) {
    super(owner, n);
    this.keys = keys;
    this.vals = vals;
  }

  @Override
  int size() {
    return n;
  }

  @Override
  boolean underflows() {
    return n < LEAF_MIN;
  }

  @Override
  Node put(byte[] key, Object value, Mutation m) {
    int i = KeyOrder.search(keys, n, key);
    if (i >= 0) {
      Object old = vals[i];
      m.oldValue = old;
      if (old == value) {
        // Same value: keep the version (and every node on the path) as it is.
        return this;
      }
      m.changed = true;
      if (ownedBy(m)) {
        vals[i] = value;
        return this;
      }
      // A persistent copy may share the unchanged key array; a batch copy must own both arrays.
      byte[][] k = m.owner == null ? keys : Arrays.copyOf(keys, n);
      Object[] v = Arrays.copyOf(vals, n);
      v[i] = value;
      return new Leaf(m.owner, n, k, v);
    }
    m.changed = true;
    m.delta = 1;
    int at = -(i + 1);
    if (n == LEAF_MAX) {
      return splitInserting(at, key, value, m);
    }
    if (ownedBy(m)) {
      if (keys.length == n) {
        int cap = grownCapacity(n + 1, LEAF_MAX);
        keys = Arrays.copyOf(keys, cap);
        vals = Arrays.copyOf(vals, cap);
      }
      System.arraycopy(keys, at, keys, at + 1, n - at);
      System.arraycopy(vals, at, vals, at + 1, n - at);
      keys[at] = key;
      vals[at] = value;
      n++;
      return this;
    }
    byte[][] k = new byte[n + 1][];
    Object[] v = new Object[n + 1];
    System.arraycopy(keys, 0, k, 0, at);
    System.arraycopy(vals, 0, v, 0, at);
    k[at] = key;
    v[at] = value;
    System.arraycopy(keys, at, k, at + 1, n - at);
    System.arraycopy(vals, at, v, at + 1, n - at);
    return new Leaf(m.owner, n + 1, k, v);
  }

  /**
   * Inserts into a full leaf by splitting it. An insert after the last key (ascending loads, such
   * as a paginated bootstrap in key order) leaves this leaf whole and starts a new one, so such
   * loads fill leaves completely instead of half.
   */
  private Node splitInserting(int at, byte[] key, Object value, Mutation m) {
    if (at == n) {
      m.splitRight = new Leaf(m.owner, 1, new byte[][] {key}, new Object[] {value});
      m.splitKey = key;
      return this;
    }
    int total = n + 1;
    byte[][] k = new byte[total][];
    Object[] v = new Object[total];
    System.arraycopy(keys, 0, k, 0, at);
    System.arraycopy(vals, 0, v, 0, at);
    k[at] = key;
    v[at] = value;
    System.arraycopy(keys, at, k, at + 1, n - at);
    System.arraycopy(vals, at, v, at + 1, n - at);
    int half = total / 2;
    Leaf right =
        new Leaf(
            m.owner,
            total - half,
            Arrays.copyOfRange(k, half, total),
            Arrays.copyOfRange(v, half, total));
    m.splitRight = right;
    m.splitKey = right.keys[0];
    return new Leaf(m.owner, half, Arrays.copyOf(k, half), Arrays.copyOf(v, half));
  }

  @Override
  Node remove(byte[] key, Mutation m) {
    int i = KeyOrder.search(keys, n, key);
    if (i < 0) {
      return this;
    }
    m.oldValue = vals[i];
    m.changed = true;
    m.delta = -1;
    if (ownedBy(m)) {
      System.arraycopy(keys, i + 1, keys, i, n - i - 1);
      System.arraycopy(vals, i + 1, vals, i, n - i - 1);
      n--;
      // Clear the vacated slot so the removed key and value can be collected.
      keys[n] = null;
      vals[n] = null;
      return this;
    }
    byte[][] k = new byte[n - 1][];
    Object[] v = new Object[n - 1];
    System.arraycopy(keys, 0, k, 0, i);
    System.arraycopy(vals, 0, v, 0, i);
    System.arraycopy(keys, i + 1, k, i, n - i - 1);
    System.arraycopy(vals, i + 1, v, i, n - i - 1);
    return new Leaf(m.owner, n - 1, k, v);
  }

  /**
   * Rebalances two adjacent leaves, one of which underflows: into one leaf if they fit, otherwise
   * into two of (nearly) equal size. Fills {@code out[0]} (and {@code out[1]}), returns how many.
   */
  static int rebalance(Leaf a, Leaf b, Object owner, Leaf[] out) {
    int total = a.n + b.n;
    byte[][] k = new byte[total][];
    Object[] v = new Object[total];
    System.arraycopy(a.keys, 0, k, 0, a.n);
    System.arraycopy(a.vals, 0, v, 0, a.n);
    System.arraycopy(b.keys, 0, k, a.n, b.n);
    System.arraycopy(b.vals, 0, v, a.n, b.n);
    if (total <= LEAF_MAX) {
      out[0] = new Leaf(owner, total, k, v);
      return 1;
    }
    int half = total / 2;
    out[0] = new Leaf(owner, half, Arrays.copyOf(k, half), Arrays.copyOf(v, half));
    out[1] =
        new Leaf(
            owner,
            total - half,
            Arrays.copyOfRange(k, half, total),
            Arrays.copyOfRange(v, half, total));
    return 2;
  }

  @Override
  boolean ascend(byte[] from, byte[] to, Walk walk) {
    int i = from == null ? 0 : KeyOrder.countLess(keys, n, from);
    for (; i < n; i++) {
      if (to != null && KeyOrder.compare(keys[i], to) >= 0) {
        return false;
      }
      if (!walk.emit(keys[i], vals[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  boolean descend(byte[] from, byte[] to, Walk walk) {
    int i = (to == null ? n : KeyOrder.countLess(keys, n, to)) - 1;
    for (; i >= 0; i--) {
      if (from != null && KeyOrder.compare(keys[i], from) < 0) {
        return false;
      }
      if (!walk.emit(keys[i], vals[i])) {
        return false;
      }
    }
    return true;
  }
}
