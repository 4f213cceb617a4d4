package dev.etcdcache.btree;

/**
 * One edit (put or remove) travelling down the tree and its outcome travelling back up.
 *
 * <p>Carries the owner token that decides whether a node may be changed in place, and returns to
 * the caller what a single return value cannot: the previous value, whether anything changed, the
 * size change, and the right half and separator key of a node that split. A persistent edit uses
 * a fresh instance; a {@link Batch} reuses one for all its edits.
 */
final class Mutation {

  /** The edit's owner token; {@code null} for a persistent edit, which must copy every node. */
  final Object owner;

  Object oldValue;
  boolean changed;
  int delta;
  Node splitRight;
  byte[] splitKey;

  /**
   * Path recording for a batch's finger (unused by persistent edits): the inner nodes of the
   * edited path after the edit ({@code path[0]} the root) with the child index taken at each, the
   * key interval {@code [lo, hi)} the leaf covers ({@code null}: unbounded), the leaf, and whether
   * a split or rebalance changed the path's shape (then the record is void).
   */
  Inner[] path;
  int[] pathIdx;
  int depth;
  byte[] lo;
  byte[] hi;
  Leaf leaf;
  boolean pathBroken;

  Mutation(Object owner) {
    this.owner = owner;
    if (owner != null) {
      path = new Inner[16];
      pathIdx = new int[16];
    }
  }

  void reset() {
    oldValue = null;
    changed = false;
    delta = 0;
    splitRight = null;
    splitKey = null;
    depth = 0;
    lo = null;
    hi = null;
    leaf = null;
    pathBroken = false;
  }
}
