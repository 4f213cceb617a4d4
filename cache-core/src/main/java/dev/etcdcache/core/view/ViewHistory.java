package dev.etcdcache.core.view;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A view's recent changes, revision by revision, for watches starting in the past and for catching
 * up an index built off the apply thread. Complete after {@link #startRevision()}: every change
 * with a higher revision is held. Bounded by the number of key changes held; the oldest revisions
 * go first. A re-list restarts it, since the changes across the gap are not known one by one.
 *
 * <p>Kept as the view's own typed changes rather than re-derived from the mirror's store versions:
 * the objects are shared with the view's trees, so holding them costs little, and nothing is
 * decoded twice.
 *
 * <p>Not thread-safe: used on the mirror's apply thread only.
 *
 * @param <T> the object type
 */
final class ViewHistory<T> {

  private final int maxChanges;
  private final ArrayDeque<RevisionChanges<T>> revisions = new ArrayDeque<>();
  private int held;
  private long startRevision;

  ViewHistory(int maxChanges) {
    if (maxChanges < 1) {
      throw new IllegalArgumentException("maxChanges must be positive: " + maxChanges);
    }
    this.maxChanges = maxChanges;
  }

  /** Forgets everything: the history is complete only after {@code revision}. */
  void reset(long revision) {
    revisions.clear();
    held = 0;
    startRevision = revision;
  }

  /** Appends the newest revision's changes and drops the oldest past the bound. */
  void append(RevisionChanges<T> changes) {
    revisions.addLast(changes);
    held += changes.changes().size();
    while (held > maxChanges && !revisions.isEmpty()) {
      RevisionChanges<T> dropped = revisions.pollFirst();
      held -= dropped.changes().size();
      startRevision = dropped.revision();
    }
  }

  /** Every change with a higher revision is held. */
  long startRevision() {
    return startRevision;
  }

  /** Whether every change from {@code fromRevision} on is held. */
  boolean holdsFrom(long fromRevision) {
    return fromRevision > startRevision;
  }

  /** The held changes at {@code fromRevision} or later, oldest first. */
  List<RevisionChanges<T>> since(long fromRevision) {
    if (!holdsFrom(fromRevision)) {
      throw new IllegalStateException(fromRevision + " is not after " + startRevision);
    }
    List<RevisionChanges<T>> out = new ArrayList<>();
    for (RevisionChanges<T> c : revisions) {
      if (c.revision() >= fromRevision) {
        out.add(c);
      }
    }
    return out;
  }

  /** Key changes held. */
  int heldChanges() {
    return held;
  }
}
