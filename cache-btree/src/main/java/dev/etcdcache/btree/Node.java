package dev.etcdcache.btree;

/**
 * A tree node: a {@link Leaf} holding entries or an {@link Inner} node holding children.
 *
 * <h2>Ownership, and why the fields are not final</h2>
 *
 * A node whose {@link #owner} is the owner token of a live {@link Batch} belongs to that batch
 * alone: no published tree version can reach it, so the batch changes it in place. Every other
 * node (owner {@code null}, or the token of a batch that has been frozen and therefore refuses all
 * further use) is immutable, and an edit copies it first; only then is the copy changed, before it
 * is reachable from anything published. A node owned by a batch owns its arrays exclusively,
 * whereas immutable nodes may share arrays with each other.
 *
 * <p>Publication: a {@link BPlusTree} holds its root in a final field, so a thread that sees the
 * tree sees every node write that happened before the tree was constructed (JLS 17.5), even if
 * the tree reference itself was passed on through a data race.
 */
abstract sealed class Node permits Leaf, Inner {

  /**
   * Most entries in a leaf and most children of an inner node. Chosen by measurement (see the
   * benchmarks README): 64 made point reads and range walks at a million keys faster than 32,
   * while copying a node on a persistent put stays cheap.
   */
  static final int LEAF_MAX = 64;

  static final int INNER_MAX = 64;

  /**
   * Below this many entries (children) a node other than the root is merged with or refilled from
   * a sibling. A third rather than a half, so that a node just split in two needs many removals
   * before it is merged again, instead of bouncing between split and merge at a boundary.
   */
  static final int LEAF_MIN = LEAF_MAX / 3;

  static final int INNER_MIN = INNER_MAX / 3;

  /** The owner token of the batch that may change this node in place, if any. */
  Object owner;

  /** Number of entries (leaf) or children (inner); the arrays may be longer in batch nodes. */
  int n;

  Node(Object owner, int n) {
    this.owner = owner;
    this.n = n;
  }

  /** The number of entries in this subtree. */
  abstract int size();

  /** Whether the edit may change this node in place. */
  final boolean ownedBy(Mutation m) {
    return m.owner != null && owner == m.owner;
  }

  /** Whether this node (not the root) holds too few entries or children and must be rebalanced. */
  abstract boolean underflows();

  /** Puts into this subtree; returns its replacement, filling in {@code m}. */
  abstract Node put(byte[] key, Object value, Mutation m);

  /** Removes from this subtree; returns its replacement, filling in {@code m}. */
  abstract Node remove(byte[] key, Mutation m);

  /** Walks ascending from {@code from}; returns {@code false} once the walk must stop. */
  abstract boolean ascend(byte[] from, byte[] to, Walk walk);

  /** Walks descending below {@code to}; returns {@code false} once the walk must stop. */
  abstract boolean descend(byte[] from, byte[] to, Walk walk);

  /** Puts into the tree rooted at {@code root}, growing a level when the root splits. */
  static Node putRoot(Node root, byte[] key, Object value, Mutation m) {
    Node r = root.put(key, value, m);
    if (!m.changed) {
      return root;
    }
    if (m.splitRight != null) {
      r = Inner.newRoot(m.owner, r, m.splitKey, m.splitRight);
      m.splitRight = null;
      m.splitKey = null;
    }
    return r;
  }

  /** Removes from the tree rooted at {@code root}, dropping levels left with a single child. */
  static Node removeRoot(Node root, byte[] key, Mutation m) {
    Node r = root.remove(key, m);
    if (!m.changed) {
      return root;
    }
    while (r instanceof Inner in && in.n == 1) {
      r = in.children[0];
    }
    return r;
  }

  /** Array length for a batch node that must grow to hold {@code need}: half again, capped. */
  static int grownCapacity(int need, int max) {
    return Math.min(max, Math.max(need, need + (need >> 1)));
  }
}
