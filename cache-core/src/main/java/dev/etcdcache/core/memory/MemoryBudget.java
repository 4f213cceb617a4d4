package dev.etcdcache.core.memory;

import dev.etcdcache.api.CacheMemory;
import dev.etcdcache.core.history.EventHistory;
import dev.etcdcache.core.mirror.AppliedRevision;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.store.StoreVersion;
import java.util.function.LongSupplier;

/**
 * The cache's memory, estimated and held to its limits: the store, what older versions pin, the
 * watch replay history and the typed views together ({@link #snapshot()}), against a byte budget
 * and a most number of keys.
 *
 * <h2>Enforcement</h2>
 * After each revision the mirror applies (and after each list), on the apply thread: when the keys
 * pass {@code maxEntries} the mirror degrades at once (nothing can be dropped without dropping
 * keys). When the bytes pass the budget, what can be dropped goes first: the older versions (reads
 * at those revisions then go to etcd) and the history but its newest revision (a watcher that
 * needed the rest falls off it as it does when the history's own bounds evict, onto its own
 * upstream watch or etcd's compaction error); if the cache still does not fit, the mirror degrades
 * ({@link Mirror#degrade}): reads and watchers go to etcd and the store is released until the
 * mirrored ranges fit again. With on-demand prefixes, the least recently read prefixes are dropped
 * (their reads go to etcd until read again) before the mirror degrades.
 *
 * <p>The figures are estimates from {@link dev.etcdcache.core.store.HeapCost}, each kept current
 * by its owner as it changes, so a snapshot costs a few reads. Thread-safe. Internal, no
 * compatibility promise.
 */
public final class MemoryBudget implements RevisionListener {

  private final Mirror mirror;
  private final EventHistory history;
  private final LongSupplier viewBytes;
  private final long budgetBytes;
  private final long maxEntries;

  /**
   * Holds {@code mirror}, {@code history} and the views ({@code viewBytes}) to {@code budgetBytes}
   * and {@code maxEntries} (0: no limit); registers itself with the mirror, after the consumers
   * already registered (the watch hub), so it sees the history as of each revision.
   */
  public MemoryBudget(Mirror mirror, EventHistory history, LongSupplier viewBytes, long budgetBytes, long maxEntries) {
    if (budgetBytes < 0 || maxEntries < 0) {
      throw new IllegalArgumentException("budgetBytes and maxEntries must not be negative");
    }
    this.mirror = mirror;
    this.history = history;
    this.viewBytes = viewBytes;
    this.budgetBytes = budgetBytes;
    this.maxEntries = maxEntries;
    mirror.addListener(this);
  }

  /** What the cache holds now, by part, its limits, and whether it degraded. */
  public CacheMemory snapshot() {
    StoreVersion now = mirror.current();
    long store = mirror.estimatedBytes();
    long versions = mirror.versionBytes();
    return new CacheMemory(budgetBytes, maxEntries, now == null ? 0 : now.tree().size(), store, versions,
        historyBeyondVersions(), viewBytes.getAsLong(), mirror.degradedReason().isPresent(),
        mirror.degradedReason(), mirror.degradations());
  }

  @Override
  public void onRevision(AppliedRevision applied) {
    enforce();
  }

  /** An on-demand prefix was listed in. */
  @Override
  public void onStoreGrew(StoreVersion version) {
    enforce();
  }

  @Override
  public void onRelist(StoreVersion version, long compactRevision) {
    enforce();
  }

  /** The mirror degraded and released its store: the history goes too (its newest revision aside). */
  @Override
  public void onDegraded(boolean degraded, String reason) {
    if (degraded) {
      history.trimToNewest();
    }
  }

  // ---- apply thread ----

  private void enforce() {
    if (budgetBytes == 0 && maxEntries == 0) {
      return;
    }
    StoreVersion now = mirror.current();
    if (now == null || mirror.degradedReason().isPresent()) {
      return;
    }
    long entries = now.tree().size();
    // On-demand prefixes go first, least recently read first, then the versions that still pin them.
    boolean dropped = false;
    while (maxEntries > 0 && mirror.current().tree().size() > maxEntries && mirror.dropLeastRecentlyRead()) {
      dropped = true;
    }
    if (dropped) {
      mirror.trimVersions();
      entries = mirror.current().tree().size();
    }
    if (maxEntries > 0 && entries > maxEntries) {
      mirror.degrade("the mirror holds " + entries + " keys, more than maxEntries " + maxEntries);
      return;
    }
    if (budgetBytes == 0 || retained() <= budgetBytes) {
      return;
    }
    mirror.trimVersions();
    history.trimToNewest();
    dropped = false;
    while (retained() > budgetBytes && mirror.dropLeastRecentlyRead()) {
      dropped = true;
    }
    if (dropped) {
      mirror.trimVersions(); // the versions before the drops pin the dropped keys
    }
    long retained = retained();
    if (retained > budgetBytes) {
      mirror.degrade("the cache holds about " + retained + " bytes with no older versions or history left "
          + "to drop, more than its memory budget of " + budgetBytes);
    }
  }

  private long retained() {
    return mirror.estimatedBytes() + mirror.versionBytes() + historyBeyondVersions() + viewBytes.getAsLong();
  }

  /**
   * The history's bytes less the previous values the version window already counts (both pin the
   * values replaced at the revisions they share).
   */
  private long historyBeyondVersions() {
    long windowFrom = mirror.windowOldestRevision();
    long shared = windowFrom < 0 ? 0 : history.previousBytesAfter(windowFrom);
    return Math.max(0, history.bytes() - shared);
  }
}
