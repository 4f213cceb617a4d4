package dev.etcdcache.core.watch;

import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.api.ResponseHeader;
import java.util.concurrent.CompletableFuture;

/** The mirror as the hub's {@link Source}. Thread-safe, as the mirror is. */
final class MirrorSource implements Source {

  private final Mirror mirror;

  MirrorSource(Mirror mirror) {
    this.mirror = mirror;
  }

  @Override
  public void execute(Runnable task) {
    mirror.executeOnApplyThread(task);
  }

  @Override
  public long currentRevision() {
    StoreVersion v = mirror.current();
    return v == null ? -1 : v.revision();
  }

  @Override
  public ResponseHeader header() {
    return mirror.header();
  }

  @Override
  public boolean covers(KeyRange range) {
    return mirror.covers(range);
  }

  @Override
  public CompletableFuture<?> awaitRevision(long revision) {
    return mirror.awaitRevision(revision);
  }

  @Override
  public void requestProgress() {
    mirror.requestProgress();
  }

  @Override
  public void attach(RevisionListener listener) {
    mirror.addListener(listener);
  }

  @Override
  public void detach(RevisionListener listener) {
    mirror.removeListener(listener);
  }
}
