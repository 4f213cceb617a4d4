package dev.etcdcache.core.view;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.core.consistency.CachedReads;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.MirrorFeed;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.api.ResponseHeader;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What a view needs: the mirror's {@link MirrorFeed}, and the revision a read at a consistency
 * arriving now must be served at or past (completed once the mirror has applied it). The mirror's
 * in production ({@link #of(Mirror, CachedReads)}); a fixed store version driven by hand for
 * in-process benchmarks and tests ({@link #detached(StoreVersion)}).
 *
 * @param feed the mirror, or a stand-in
 * @param revisionFor the revision a read at a consistency must be served at or past
 */
record ViewSource(MirrorFeed feed, Function<ReadConsistency, CompletableFuture<Long>> revisionFor) {

  /** The mirror's, with reads' consistency machinery. */
  static ViewSource of(Mirror mirror, CachedReads reads) {
    return new ViewSource(mirror, reads::awaitRevisionFor);
  }

  /**
   * A source with no mirror: the caller is the apply thread and calls the view's listener methods
   * itself; every read is served from the latest version.
   */
  static ViewSource detached(StoreVersion version) {
    return new ViewSource(new FixedFeed(version), consistency -> CompletableFuture.completedFuture(0L));
  }

  /** A feed stuck at one version whose apply thread is the caller's. */
  private record FixedFeed(StoreVersion version) implements MirrorFeed {
    @Override
    public void executeOnApplyThread(Runnable task) {
      task.run();
    }

    @Override
    public StoreVersion current() {
      return version;
    }

    @Override
    public CompletableFuture<StoreVersion> ready() {
      return CompletableFuture.completedFuture(version);
    }

    @Override
    public CompletableFuture<StoreVersion> awaitRevision(long revision) {
      return CompletableFuture.completedFuture(version);
    }

    @Override
    public ResponseHeader header() {
      return ResponseHeader.getDefaultInstance();
    }

    @Override
    public boolean covers(KeyRange range) {
      return true;
    }

    @Override
    public void requestProgress() {}

    @Override
    public void addListener(RevisionListener listener) {}

    @Override
    public void removeListener(RevisionListener listener) {}
  }
}
