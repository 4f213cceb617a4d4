package dev.etcdcache.core.view;

import java.util.List;
import java.util.Objects;

/**
 * The changes of a view's keys at one revision, as watchers receive them and the history keeps
 * them.
 *
 * @param revision the etcd revision
 * @param changes every key that changed, in etcd's event order; never empty
 * @param <T> the object type
 */
record RevisionChanges<T>(long revision, List<KeyChange<T>> changes) {

  /** Validates and freezes the changes. */
  RevisionChanges {
    Objects.requireNonNull(changes, "changes");
    if (revision <= 0 || changes.isEmpty()) {
      throw new IllegalArgumentException("changes at revision " + revision + ": " + changes.size());
    }
    changes = List.copyOf(changes);
  }
}
