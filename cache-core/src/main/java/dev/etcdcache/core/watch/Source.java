package dev.etcdcache.core.watch;

import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.store.KeyRange;
import io.etcd.jetcd.api.ResponseHeader;
import java.util.concurrent.CompletableFuture;

/**
 * What the hub needs of the mirror: its apply thread, its revision and header, the ranges it
 * mirrors, and a way to wait for a revision. {@link MirrorSource} is the mirror's; tests use a fake.
 * Implementations are thread-safe.
 */
interface Source {

  /** Runs {@code task} on the apply thread; throws {@code RejectedExecutionException} once closed. */
  void execute(Runnable task);

  /** The latest applied revision, or -1 before the first. */
  long currentRevision();

  /** etcd's header as the mirror last saw it (cluster, member, raft term). */
  ResponseHeader header();

  /** Whether the mirror holds every key of {@code range}. */
  boolean covers(KeyRange range);

  /** Completes once the mirror has applied {@code revision}. */
  CompletableFuture<?> awaitRevision(long revision);

  /** Asks etcd to confirm the mirror's progress (revisions outside the mirrored ranges). */
  void requestProgress();

  /** Starts calling {@code listener} with every revision applied. */
  default void attach(RevisionListener listener) {}

  /** Stops calling {@code listener}. */
  default void detach(RevisionListener listener) {}
}
