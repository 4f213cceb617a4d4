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

  Mutation(Object owner) {
    this.owner = owner;
  }

  void reset() {
    oldValue = null;
    changed = false;
    delta = 0;
    splitRight = null;
    splitKey = null;
  }
}
