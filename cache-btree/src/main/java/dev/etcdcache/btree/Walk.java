package dev.etcdcache.btree;

/**
 * A range walk in progress: the visitor, the visit limit and how many entries were visited.
 *
 * <p>One instance per {@link BPlusTree#forEach} call, so that the walk itself allocates nothing
 * per visited entry.
 */
final class Walk {

  private final EntryVisitor<Object> visitor;
  private final int limit;
  int visited;

  Walk(EntryVisitor<Object> visitor, int limit) {
    this.visitor = visitor;
    this.limit = limit;
  }

  /** Visits one entry; returns whether the walk goes on. */
  boolean emit(byte[] key, Object value) {
    visited++;
    return visitor.visit(key, value) && (limit <= 0 || visited < limit);
  }
}
