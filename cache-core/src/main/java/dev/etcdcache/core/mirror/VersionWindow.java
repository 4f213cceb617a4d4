package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.StoreVersion;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Recent store versions, so a read at a recent revision is answered from memory. Consecutive
 * versions come from one unbroken watch, so a version at revision r is exact for every revision
 * from r up to (not including) the next version's; the newest is exact only at its own revision.
 * Bounded by count, age and bytes; the newest is always kept.
 *
 * <p>Bytes: an older version pins what the next one replaced (the values it overwrote or deleted,
 * the tree nodes it copied), so each version is added with the bytes its predecessor pins beyond
 * it ({@link dev.etcdcache.core.store.HeapCost}), and {@link #pinnedBytes()} is their sum over the
 * versions held: what the window costs beyond the current version.
 *
 * <p>Written by the mirror's apply thread, read by any thread: every method is synchronized,
 * and each does O(log n) work.
 */
final class VersionWindow {

  private final int maxVersions;
  private final long maxAgeNanos;
  private final long maxBytes;
  private final TreeMap<Long, Held> versions = new TreeMap<>();
  /** Sum of {@link Held#predecessorPins} over every held version but the oldest (whose predecessor is gone). */
  private long pinnedBytes;

  VersionWindow(int maxVersions, long maxAgeNanos) {
    this(maxVersions, maxAgeNanos, Long.MAX_VALUE);
  }

  VersionWindow(int maxVersions, long maxAgeNanos, long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
    }
    this.maxVersions = maxVersions;
    this.maxAgeNanos = maxAgeNanos;
    this.maxBytes = maxBytes;
  }

  /**
   * Adds the newest version and drops what falls out of the window; {@code predecessorPins} is what
   * the version before it pins beyond it (0 for a version that shares its predecessor's tree).
   */
  synchronized void add(StoreVersion version, long nowNanos, long predecessorPins) {
    if (!versions.isEmpty()) {
      pinnedBytes += predecessorPins;
    }
    Held replaced = versions.put(version.revision(), new Held(version, predecessorPins));
    if (replaced != null && versions.size() > 1) {
      pinnedBytes -= replaced.predecessorPins(); // republished at the same revision (a test hook)
    }
    while (versions.size() > maxVersions) {
      pollOldestLocked();
    }
    while (versions.size() > 1 && nowNanos - versions.firstEntry().getValue().version().publishedNanos() > maxAgeNanos
        && nowNanos - versions.higherEntry(versions.firstKey()).getValue().version().publishedNanos() > maxAgeNanos) {
      pollOldestLocked();
    }
    while (versions.size() > 1 && pinnedBytes > maxBytes) {
      pollOldestLocked();
    }
  }

  /**
   * Replaces the held version at {@code version}'s revision (an on-demand prefix listed in or
   * dropped, no new revision), keeping what its predecessor pins beyond it; adds it if none is held.
   */
  synchronized void replace(StoreVersion version, long nowNanos) {
    Held held = versions.get(version.revision());
    if (held == null) {
      add(version, nowNanos, 0);
      return;
    }
    versions.put(version.revision(), new Held(version, held.predecessorPins()));
  }

  /** Adds a version that pins nothing beyond its predecessor's tree (tests, and the form before bytes). */
  synchronized void add(StoreVersion version, long nowNanos) {
    add(version, nowNanos, 0);
  }

  /** Forgets every version: after a re-list the history before it has a gap. */
  synchronized void clear() {
    versions.clear();
    pinnedBytes = 0;
  }

  /** What the versions held pin beyond the newest one, in estimated bytes. */
  synchronized long pinnedBytes() {
    return pinnedBytes;
  }

  /**
   * Keeps only the newest version, giving back everything older ones pinned (memory pressure:
   * reads at older revisions then go to etcd, which answers them exactly).
   */
  synchronized void trimToNewest() {
    while (versions.size() > 1) {
      pollOldestLocked();
    }
  }

  /** The version exact at {@code revision}, if the window holds one. */
  synchronized Optional<StoreVersion> at(long revision) {
    Map.Entry<Long, Held> floor = versions.floorEntry(revision);
    if (floor == null) {
      return Optional.empty();
    }
    if (floor.getKey() == revision || versions.higherKey(floor.getKey()) != null) {
      return Optional.of(floor.getValue().version());
    }
    return Optional.empty();
  }

  /** The versions held, oldest first. */
  synchronized java.util.List<StoreVersion> held() {
    return versions.values().stream().map(Held::version).toList();
  }

  /** The oldest revision a read can be answered at, or -1 when empty. */
  synchronized long oldestRevision() {
    return versions.isEmpty() ? -1 : versions.firstKey();
  }

  private void pollOldestLocked() {
    versions.pollFirstEntry();
    Map.Entry<Long, Held> oldest = versions.firstEntry();
    if (oldest != null) {
      // Its predecessor is gone, and with it what that predecessor pinned.
      pinnedBytes -= oldest.getValue().predecessorPins();
    }
  }

  /** A held version and what the version before it pins beyond it. */
  private record Held(StoreVersion version, long predecessorPins) {}
}
