package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.api.ResponseHeader;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the mirror's consumers (the watch hub, typed views) need of it: its apply thread, its
 * published versions, the ranges it mirrors, and its revision listeners. {@link Mirror} is the one
 * in production; tests and in-process benchmarks drive a stand-in by hand.
 *
 * <p>Implementations are thread-safe.
 */
public interface MirrorFeed {

  /**
   * Runs {@code task} on the apply thread, after every revision applied so far.
   *
   * @throws java.util.concurrent.RejectedExecutionException once the mirror is closed
   */
  void executeOnApplyThread(Runnable task);

  /** The latest published version, or {@code null} before the first. */
  StoreVersion current();

  /** The latest published revision, or -1 before the first. */
  default long currentRevision() {
    StoreVersion v = current();
    return v == null ? -1 : v.revision();
  }

  /** Completes with the first published version; fails if the mirror closes first. */
  CompletableFuture<StoreVersion> ready();

  /** A future of the first version at or past {@code revision}, completed off the apply thread. */
  CompletableFuture<StoreVersion> awaitRevision(long revision);

  /** etcd's header as the mirror last saw it (cluster, member, raft term; revision 0). */
  ResponseHeader header();

  /** {@link #header()}'s fields with {@code revision}, as a response served at that revision carries. */
  default ResponseHeader headerAt(long revision) {
    return header().toBuilder().setRevision(revision).build();
  }

  /**
   * etcd's periodic progress-notify interval as seen on the mirror's upstream watch, empty until
   * one was seen (see {@link ProgressCadence}).
   */
  default Optional<Duration> upstreamProgressInterval() {
    return Optional.empty();
  }

  /**
   * Whether the mirror stopped applying to stay within its memory limits: it sends nothing until
   * it lists again, so no watcher may rejoin it meanwhile.
   */
  default boolean isDegraded() {
    return false;
  }

  /** Whether {@code range} lies entirely inside the mirrored ranges. */
  boolean covers(KeyRange range);

  /** Asks etcd to confirm how far the mirror is (revisions outside the mirrored ranges bring no events). */
  void requestProgress();

  /** Starts telling {@code listener} of every later revision, on the apply thread. */
  void addListener(RevisionListener listener);

  /** Stops telling {@code listener}. */
  void removeListener(RevisionListener listener);
}
