package dev.etcdcache.core.watch;

import dev.etcdcache.core.mirror.MirrorFeed;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror's apply thread as the hub posts to it: everything that decides what a watcher receives
 * runs there, in the order posted, serialized with the revisions the mirror applies. A task posted
 * after the mirror closed is dropped: no watcher is served any more.
 *
 * <p>Thread-safe.
 */
final class ApplyThread {

  private static final Logger LOG = LoggerFactory.getLogger(ApplyThread.class);

  private final MirrorFeed source;

  ApplyThread(MirrorFeed source) {
    this.source = source;
  }

  /** Runs {@code task} on the apply thread, or drops it if the mirror is closed. */
  void post(Runnable task) {
    try {
      source.executeOnApplyThread(task);
    } catch (RejectedExecutionException e) {
      LOG.debug("the mirror is closed; dropping a watch task");
    }
  }
}
