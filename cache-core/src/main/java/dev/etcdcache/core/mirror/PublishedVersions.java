package dev.etcdcache.core.mirror;

import dev.etcdcache.api.CacheStats;
import dev.etcdcache.core.store.StoreVersion;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The versions the mirror has published, as readers see them: the current one (one atomic
 * reference), the recent ones kept for reads at a revision ({@link VersionWindow}), the futures
 * waiting for a revision ({@link RevisionWaiters}), and the key and value bytes the current one
 * holds. Publishing moves all of them in one step, in the order that keeps every promise: the
 * version is visible before freshness is confirmed and before any waiter is released.
 *
 * <p>Thread-safe for readers; {@link #publish}, {@link #clearWindow} and {@link #setStoredBytes}
 * are called on the apply thread only.
 */
final class PublishedVersions {

  private final AtomicReference<StoreVersion> current = new AtomicReference<>();
  private final VersionWindow window;
  private final RevisionWaiters<StoreVersion> waiters;
  private final Freshness freshness;
  /** Key and value bytes in the current version; written on the apply thread only. */
  private volatile long storedBytes;

  PublishedVersions(VersionWindow window, Freshness freshness, Executor callbacks) {
    this.window = window;
    this.freshness = freshness;
    this.waiters = new RevisionWaiters<>(current::get, StoreVersion::revision, callbacks);
  }

  /** Makes {@code version} current, keeps it for reads at its revision, then wakes its waiters. */
  void publish(StoreVersion version) {
    publish(version, 0);
  }

  /**
   * As {@link #publish(StoreVersion)}, where the version before it pins {@code predecessorPins}
   * estimated bytes beyond it (see {@link VersionWindow}).
   */
  void publish(StoreVersion version, long predecessorPins) {
    current.set(version);
    window.add(version, version.publishedNanos(), predecessorPins);
    freshness.onPublished(version.revision());
    waiters.release(version);
  }

  /**
   * As {@link #publish(StoreVersion)} for a version at the current revision that replaces the
   * current one (an on-demand prefix listed in or dropped): what older versions pin is unchanged.
   */
  void republish(StoreVersion version) {
    current.set(version);
    window.replace(version, version.publishedNanos());
    freshness.onPublished(version.revision());
    waiters.release(version);
  }

  /**
   * Makes {@code empty} current without keeping it for reads at a revision or waking anyone: the
   * mirror degraded and lets its store go (readers check the mirror's flag after taking a version).
   */
  void release(StoreVersion empty) {
    storedBytes = 0;
    current.set(empty);
  }

  /** The current version, or {@code null} before the first. */
  StoreVersion current() {
    return current.get();
  }

  /** A version exact at {@code revision}, if one is still held. */
  Optional<StoreVersion> at(long revision) {
    StoreVersion now = current.get();
    if (now != null && now.revision() == revision) {
      return Optional.of(now);
    }
    return window.at(revision);
  }

  /** A future of the first version at or past {@code revision}, completed off the apply thread. */
  CompletableFuture<StoreVersion> await(long revision) {
    return waiters.await(revision);
  }

  /** The oldest revision a read at a revision can be served at, or -1. */
  long oldestRevision() {
    return window.oldestRevision();
  }

  /** Forgets the recent versions (a re-list: they are not contiguous with what follows). */
  void clearWindow() {
    window.clear();
  }

  /** What the recent versions pin beyond the current one, in estimated bytes. */
  long windowBytes() {
    return window.pinnedBytes();
  }

  /** The versions kept for reads at a revision, oldest first. */
  java.util.List<StoreVersion> held() {
    return window.held();
  }

  /** Gives back what older versions pin (see {@link VersionWindow#trimToNewest()}). */
  void trimWindow() {
    window.trimToNewest();
  }

  long storedBytes() {
    return storedBytes;
  }

  void setStoredBytes(long bytes) {
    storedBytes = bytes;
  }

  /** Key and value bytes plus {@link CacheStats#ENTRY_OVERHEAD_BYTES} per entry; 0 before the first (the store alone). */
  long estimatedBytes() {
    StoreVersion now = current.get();
    return now == null ? 0 : storedBytes + now.tree().size() * CacheStats.ENTRY_OVERHEAD_BYTES;
  }

  /** Fails every waiter, now and later. */
  void failAll(Throwable cause) {
    waiters.failAll(cause);
  }
}
