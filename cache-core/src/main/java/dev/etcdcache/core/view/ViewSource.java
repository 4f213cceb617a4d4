package dev.etcdcache.core.view;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.core.consistency.CachedReads;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.store.StoreVersion;
import java.util.concurrent.CompletableFuture;

/**
 * What a view needs from the mirror: its apply thread, its current version, its revision listeners
 * and the consistency machinery. The mirror's in production ({@link #of(Mirror, CachedReads)}); a
 * fixed store version driven by hand for benchmarks ({@link #detached(StoreVersion)}).
 */
interface ViewSource {

  /** Runs {@code task} on the apply thread, after every revision applied so far. */
  void executeOnApplyThread(Runnable task);

  /** The latest store version, or null before the first. */
  StoreVersion current();

  /** Completes when the first store version is published. */
  CompletableFuture<?> ready();

  void addListener(RevisionListener listener);

  void removeListener(RevisionListener listener);

  /**
   * The revision a read at {@code consistency} arriving now must be served at or past, completed
   * once the mirror has applied it.
   */
  CompletableFuture<Long> revisionFor(ReadConsistency consistency);

  /** The mirror's, with reads' consistency machinery. */
  static ViewSource of(Mirror mirror, CachedReads reads) {
    return new ViewSource() {
      @Override
      public void executeOnApplyThread(Runnable task) {
        mirror.executeOnApplyThread(task);
      }

      @Override
      public StoreVersion current() {
        return mirror.current();
      }

      @Override
      public CompletableFuture<?> ready() {
        return mirror.ready();
      }

      @Override
      public void addListener(RevisionListener listener) {
        mirror.addListener(listener);
      }

      @Override
      public void removeListener(RevisionListener listener) {
        mirror.removeListener(listener);
      }

      @Override
      public CompletableFuture<Long> revisionFor(ReadConsistency consistency) {
        return reads.awaitRevisionFor(consistency);
      }
    };
  }

  /**
   * A source with no mirror: the caller is the apply thread and calls the view's listener methods
   * itself; every read is served from the latest version.
   */
  static ViewSource detached(StoreVersion version) {
    return new ViewSource() {
      @Override
      public void executeOnApplyThread(Runnable task) {
        task.run();
      }

      @Override
      public StoreVersion current() {
        return version;
      }

      @Override
      public CompletableFuture<?> ready() {
        return CompletableFuture.completedFuture(version);
      }

      @Override
      public void addListener(RevisionListener listener) {}

      @Override
      public void removeListener(RevisionListener listener) {}

      @Override
      public CompletableFuture<Long> revisionFor(ReadConsistency consistency) {
        return CompletableFuture.completedFuture(0L);
      }
    };
  }
}
