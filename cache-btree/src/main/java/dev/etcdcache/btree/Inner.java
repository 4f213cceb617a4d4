package dev.etcdcache.btree;

import java.util.Arrays;

/**
 * An inner node: up to {@link Node#INNER_MAX} children, the separator keys between them and the
 * size of each child's subtree.
 *
 * <p>{@code seps[i]} lies above every key of {@code children[i]} and at or below every key of
 * {@code children[i + 1]}. A removal may leave a separator that no longer equals the smallest key
 * to its right; it still routes correctly, so it is kept rather than paying for a copy to refresh
 * it. The per-child sizes ({@code counts}) make rank, select and range counts O(log n).
 *
 * <p>Immutable unless owned by a live batch (see {@link Node}).
 */
final class Inner extends Node {

  Node[] children;
  byte[][] seps;
  int[] counts;
  int size;

  Inner(Object owner, int n, Node[] children, byte[][] seps, int[] counts, int size) {
    super(owner, n);
    this.children = children;
    this.seps = seps;
    this.counts = counts;
    this.size = size;
  }

  /** A root over the two halves of a root that split. */
  static Inner newRoot(Object owner, Node left, byte[] sep, Node right) {
    int l = left.size();
    int r = right.size();
    return new Inner(owner, 2, new Node[] {left, right}, new byte[][] {sep}, new int[] {l, r}, l + r);
  }

  @Override
  int size() {
    return size;
  }

  @Override
  boolean underflows() {
    return n < INNER_MIN;
  }

  /** The index of the child whose key range holds {@code key}. */
  int childIndex(byte[] key) {
    return KeyOrder.countLessOrEqual(seps, n - 1, key);
  }

  @Override
  Node put(byte[] key, Object value, Mutation m) {
    int ci = childIndex(key);
    int level = -1;
    if (m.path != null) {
      level = enter(ci, m);
    }
    Node nc = children[ci].put(key, value, m);
    if (!m.changed) {
      return this;
    }
    if (m.splitRight == null) {
      Inner r = withChild(ci, nc, m);
      if (level >= 0) {
        leave(level, r, ci, nc, m);
      }
      return r;
    }
    m.pathBroken = true;
    Node right = m.splitRight;
    byte[] sep = m.splitKey;
    m.splitRight = null;
    m.splitKey = null;
    if (n < INNER_MAX && ownedBy(m)) {
      insertChildInPlace(ci, nc, sep, right, m.delta);
      return this;
    }
    Inner grown = withInsertedChild(ci, nc, sep, right, m);
    return grown.n > INNER_MAX ? grown.split(ci + 1 == n, m) : grown;
  }

  @Override
  Node remove(byte[] key, Mutation m) {
    int ci = childIndex(key);
    int level = -1;
    if (m.path != null) {
      level = enter(ci, m);
    }
    Node nc = children[ci].remove(key, m);
    if (!m.changed) {
      return this;
    }
    if (n == 1 || !nc.underflows()) {
      Inner r = withChild(ci, nc, m);
      if (level >= 0) {
        leave(level, r, ci, nc, m);
      }
      return r;
    }
    m.pathBroken = true;
    Inner e = editable(m);
    e.children[ci] = nc;
    e.counts[ci] += m.delta;
    e.size += m.delta;
    e.rebalancePair(ci > 0 ? ci - 1 : ci, m.owner);
    return e;
  }

  /**
   * Records the descent into child {@code ci} for a batch's finger: narrows the leaf's key
   * interval and returns this node's level on the path, or -1 if the path is too deep to record.
   */
  private int enter(int ci, Mutation m) {
    int level = m.depth++;
    if (level >= m.path.length) {
      m.pathBroken = true;
      return -1;
    }
    if (ci > 0) {
      m.lo = seps[ci - 1];
    }
    if (ci < n - 1) {
      m.hi = seps[ci];
    }
    return level;
  }

  /** Records this level of the edited path (on the way back up): the node that replaced it. */
  private static void leave(int level, Inner r, int ci, Node nc, Mutation m) {
    m.path[level] = r;
    m.pathIdx[level] = ci;
    if (nc instanceof Leaf l) {
      m.leaf = l;
    }
  }

  /** This node with child {@code ci} replaced, its size changed by {@code m.delta}. */
  private Inner withChild(int ci, Node nc, Mutation m) {
    if (ownedBy(m)) {
      children[ci] = nc;
      counts[ci] += m.delta;
      size += m.delta;
      return this;
    }
    Node[] c = Arrays.copyOf(children, n);
    int[] k = Arrays.copyOf(counts, n);
    // Separators do not change: a persistent copy shares them, a batch copy must own them.
    byte[][] s = m.owner == null ? seps : Arrays.copyOf(seps, n - 1);
    c[ci] = nc;
    k[ci] += m.delta;
    return new Inner(m.owner, n, c, s, k, size + m.delta);
  }

  /** Replaces child {@code ci} by {@code left, sep, right} in this batch-owned, non-full node. */
  private void insertChildInPlace(int ci, Node left, byte[] sep, Node right, int delta) {
    if (children.length == n) {
      int cap = grownCapacity(n + 1, INNER_MAX);
      children = Arrays.copyOf(children, cap);
      counts = Arrays.copyOf(counts, cap);
      seps = Arrays.copyOf(seps, cap - 1);
    }
    System.arraycopy(children, ci + 1, children, ci + 2, n - ci - 1);
    System.arraycopy(counts, ci + 1, counts, ci + 2, n - ci - 1);
    System.arraycopy(seps, ci, seps, ci + 1, n - 1 - ci);
    children[ci] = left;
    children[ci + 1] = right;
    counts[ci] = left.size();
    counts[ci + 1] = right.size();
    seps[ci] = sep;
    size += delta;
    n++;
  }

  /** A fresh node like this one with child {@code ci} replaced by {@code left, sep, right}. */
  private Inner withInsertedChild(int ci, Node left, byte[] sep, Node right, Mutation m) {
    int total = n + 1;
    Node[] c = new Node[total];
    int[] k = new int[total];
    byte[][] s = new byte[total - 1][];
    System.arraycopy(children, 0, c, 0, ci);
    System.arraycopy(counts, 0, k, 0, ci);
    System.arraycopy(seps, 0, s, 0, ci);
    c[ci] = left;
    c[ci + 1] = right;
    k[ci] = left.size();
    k[ci + 1] = right.size();
    s[ci] = sep;
    System.arraycopy(children, ci + 1, c, ci + 2, n - ci - 1);
    System.arraycopy(counts, ci + 1, k, ci + 2, n - ci - 1);
    System.arraycopy(seps, ci, s, ci + 1, n - 1 - ci);
    return new Inner(m.owner, total, c, s, k, size + m.delta);
  }

  /**
   * Splits this fresh, over-full node, returning the left half and handing the right half and
   * the separator between them to {@code m}. When the child that split was the last one
   * (ascending loads) the left half stays full, as in {@link Leaf}.
   */
  private Inner split(boolean appended, Mutation m) {
    int half = appended ? n - 1 : n / 2;
    int rn = n - half;
    int[] rk = Arrays.copyOfRange(counts, half, n);
    int rsize = 0;
    for (int x : rk) {
      rsize += x;
    }
    m.splitRight =
        new Inner(
            m.owner,
            rn,
            Arrays.copyOfRange(children, half, n),
            Arrays.copyOfRange(seps, half, n - 1),
            rk,
            rsize);
    m.splitKey = seps[half - 1];
    return new Inner(
        m.owner,
        half,
        Arrays.copyOf(children, half),
        Arrays.copyOf(seps, half - 1),
        Arrays.copyOf(counts, half),
        size - rsize);
  }

  /** This node if the edit owns it, otherwise a private copy for the edit to change. */
  private Inner editable(Mutation m) {
    if (ownedBy(m)) {
      return this;
    }
    return new Inner(
        m.owner,
        n,
        Arrays.copyOf(children, n),
        Arrays.copyOf(seps, n - 1),
        Arrays.copyOf(counts, n),
        size);
  }

  /**
   * Rebalances children {@code li} and {@code li + 1} of this editable node, one of which
   * underflows: merges them if they fit in one node, otherwise shares their contents evenly.
   */
  private void rebalancePair(int li, Object owner) {
    Node a = children[li];
    Node b = children[li + 1];
    if (a instanceof Leaf la) {
      Leaf[] out = new Leaf[2];
      if (Leaf.rebalance(la, (Leaf) b, owner, out) == 1) {
        mergePair(li, out[0]);
      } else {
        replacePair(li, out[0], out[1].keys[0], out[1]);
      }
      return;
    }
    Inner ia = (Inner) a;
    Inner ib = (Inner) b;
    int total = ia.n + ib.n;
    Node[] c = new Node[total];
    int[] k = new int[total];
    byte[][] s = new byte[total - 1][];
    System.arraycopy(ia.children, 0, c, 0, ia.n);
    System.arraycopy(ib.children, 0, c, ia.n, ib.n);
    System.arraycopy(ia.counts, 0, k, 0, ia.n);
    System.arraycopy(ib.counts, 0, k, ia.n, ib.n);
    System.arraycopy(ia.seps, 0, s, 0, ia.n - 1);
    // The parent's separator goes between the two halves' own separators.
    s[ia.n - 1] = seps[li];
    System.arraycopy(ib.seps, 0, s, ia.n, ib.n - 1);
    int sum = ia.size + ib.size;
    if (total <= INNER_MAX) {
      mergePair(li, new Inner(owner, total, c, s, k, sum));
      return;
    }
    int half = total / 2;
    int lsize = 0;
    for (int i = 0; i < half; i++) {
      lsize += k[i];
    }
    Inner left =
        new Inner(
            owner,
            half,
            Arrays.copyOf(c, half),
            Arrays.copyOf(s, half - 1),
            Arrays.copyOf(k, half),
            lsize);
    Inner right =
        new Inner(
            owner,
            total - half,
            Arrays.copyOfRange(c, half, total),
            Arrays.copyOfRange(s, half, total - 1),
            Arrays.copyOfRange(k, half, total),
            sum - lsize);
    replacePair(li, left, s[half - 1], right);
  }

  private void mergePair(int li, Node merged) {
    children[li] = merged;
    counts[li] = merged.size();
    System.arraycopy(children, li + 2, children, li + 1, n - li - 2);
    System.arraycopy(counts, li + 2, counts, li + 1, n - li - 2);
    System.arraycopy(seps, li + 1, seps, li, n - li - 2);
    n--;
    // Clear vacated slots so dropped nodes and keys can be collected.
    children[n] = null;
    seps[n - 1] = null;
  }

  private void replacePair(int li, Node left, byte[] sep, Node right) {
    children[li] = left;
    children[li + 1] = right;
    counts[li] = left.size();
    counts[li + 1] = right.size();
    seps[li] = sep;
  }

  @Override
  boolean ascend(byte[] from, byte[] to, Walk walk) {
    int start = from == null ? 0 : childIndex(from);
    for (int ci = start; ci < n; ci++) {
      if (ci > start && to != null && KeyOrder.compare(seps[ci - 1], to) >= 0) {
        return false;
      }
      if (!children[ci].ascend(ci == start ? from : null, to, walk)) {
        return false;
      }
    }
    return true;
  }

  @Override
  boolean descend(byte[] from, byte[] to, Walk walk) {
    // Child i + 1 holds only keys >= seps[i]; it can hold keys below `to` only if seps[i] < to.
    int start = to == null ? n - 1 : KeyOrder.countLess(seps, n - 1, to);
    for (int ci = start; ci >= 0; ci--) {
      if (!children[ci].descend(from, ci == start ? to : null, walk)) {
        return false;
      }
      if (ci > 0 && from != null && KeyOrder.compare(seps[ci - 1], from) <= 0) {
        return false;
      }
    }
    return true;
  }
}
