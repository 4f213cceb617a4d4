package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.api.Event;
import java.util.List;

/**
 * Told of every change the mirror publishes, on the mirror's apply thread, in revision order. An
 * implementation must return quickly and never block: it delays every later revision.
 */
public interface RevisionListener {

  /**
   * One revision applied, with its writes inside the mirrored ranges (never empty). The default
   * hands etcd's wire form to {@link #onRevision(StoreVersion, StoreVersion, List)}.
   */
  default void onRevision(AppliedRevision applied) {
    onRevision(applied.before(), applied.after(), applied.events());
  }

  /**
   * One revision applied, in etcd's wire form: {@code events} are etcd's events of that revision
   * inside the mirrored ranges, in etcd's order, each with {@code prev_kv} taken from
   * {@code before} (absent for a create), as etcd would send them to a watcher asking for prevKV.
   * Never empty. Not called for listeners that override {@link #onRevision(AppliedRevision)}.
   */
  default void onRevision(StoreVersion before, StoreVersion after, List<Event> events) {}

  /**
   * The mirror was confirmed exact at a later revision with no change in its ranges (a validated
   * progress notification, or a revision whose events all fell outside the mirrored ranges).
   */
  default void onProgress(StoreVersion version) {}

  /**
   * The mirror re-listed after a compaction or gap: history before {@code version} is lost, and
   * {@code compactRevision} is the compact revision that forced it (0 if unknown).
   */
  default void onRelist(StoreVersion version, long compactRevision) {}
}
