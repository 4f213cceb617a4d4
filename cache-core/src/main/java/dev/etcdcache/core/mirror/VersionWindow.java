package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.StoreVersion;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Recent store versions, so a read at a recent revision is answered from memory. Consecutive
 * versions come from one unbroken watch, so a version at revision r is exact for every revision
 * from r up to (not including) the next version's; the newest is exact only at its own revision.
 * Bounded by count and age; the newest is always kept.
 *
 * <p>Written by the mirror's apply thread, read by any thread: every method is synchronized,
 * and each does O(log n) work.
 */
final class VersionWindow {

  private final int maxVersions;
  private final long maxAgeNanos;
  private final TreeMap<Long, StoreVersion> versions = new TreeMap<>();

  VersionWindow(int maxVersions, long maxAgeNanos) {
    this.maxVersions = maxVersions;
    this.maxAgeNanos = maxAgeNanos;
  }

  /** Adds the newest version and drops what falls out of the window. */
  synchronized void add(StoreVersion version, long nowNanos) {
    versions.put(version.revision(), version);
    while (versions.size() > maxVersions) {
      versions.pollFirstEntry();
    }
    while (versions.size() > 1 && nowNanos - versions.firstEntry().getValue().publishedNanos() > maxAgeNanos
        && nowNanos - versions.higherEntry(versions.firstKey()).getValue().publishedNanos() > maxAgeNanos) {
      versions.pollFirstEntry();
    }
  }

  /** Forgets every version: after a re-list the history before it has a gap. */
  synchronized void clear() {
    versions.clear();
  }

  /** The version exact at {@code revision}, if the window holds one. */
  synchronized Optional<StoreVersion> at(long revision) {
    Map.Entry<Long, StoreVersion> floor = versions.floorEntry(revision);
    if (floor == null) {
      return Optional.empty();
    }
    if (floor.getKey() == revision || versions.higherKey(floor.getKey()) != null) {
      return Optional.of(floor.getValue());
    }
    return Optional.empty();
  }

  /** The oldest revision a read can be answered at, or -1 when empty. */
  synchronized long oldestRevision() {
    return versions.isEmpty() ? -1 : versions.firstKey();
  }
}
