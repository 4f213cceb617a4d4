package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.StoreVersion;

/**
 * Told of every change the mirror publishes, on the mirror's apply thread, in revision order. An
 * implementation must return quickly and never block: it delays every later revision.
 */
public interface RevisionListener {

  /**
   * One revision applied, with its writes inside the mirrored ranges (never empty), in the stored
   * form and, through {@link AppliedRevision#events()}, in etcd's wire form.
   */
  void onRevision(AppliedRevision applied);

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

  /**
   * The upstream watch failed (etcd unreachable, the stream broken or stalled). The mirror
   * reconnects from its applied revision by itself and loses nothing; a consumer may tell its own
   * clients, as jetcd tells a watch listener ({@code onError}) and keeps the watch open.
   */
  default void onUpstreamError(Throwable error) {}

  /**
   * The mirror stopped serving from memory to stay within its memory limits ({@code degraded}
   * true, with why), or serves again after a list that fits ({@code degraded} false, reason null).
   * While degraded nothing is applied and the store is released; a consumer sends its clients to
   * etcd.
   */
  default void onDegraded(boolean degraded, String reason) {}

  /**
   * The store grew without a new revision (an on-demand prefix was listed into {@code version}),
   * on the apply thread.
   */
  default void onStoreGrew(StoreVersion version) {}

  /**
   * How many watchers this listener may hand one revision to, read on any thread (an approximate
   * count is enough): the mirror applies a small revision on the thread that received it only while
   * the listeners' sum is small, so a revision that fans out to many watchers never holds jetcd's
   * event loop (see {@code WatchLoop}).
   */
  default int fanOut() {
    return 0;
  }
}
