package dev.etcdcache.core.watch;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.function.Consumer;

/**
 * The fallback for a watcher the mirror cannot serve: its own upstream jetcd watch, with the
 * client's options, from a given revision, for the rest of its life. etcd's responses, errors and
 * completion (a compaction error included) pass through unchanged, so whatever the mirror could not
 * decide, etcd decides. The listener still gets them from the hub's delivery executor, through the
 * watcher's queue, whatever the queue holds.
 *
 * <p>Used for a start older than the history, outside the mirrored ranges or negative; when the
 * revision checks at registration fail; for a lagging watcher that fell off the history; and for a
 * watcher a re-list left behind above the compact revision.
 *
 * <p>Thread-safe; called on the apply thread, or on the client's thread for a watcher the apply
 * thread has not seen yet.
 */
final class UpstreamFallback {

  private final Upstream upstream;
  private final WatchCounters counters;
  private final Consumer<HubWatcher> onCompleted;

  /** @param onCompleted called (on jetcd's thread) when etcd ends a watcher's upstream watch */
  UpstreamFallback(Upstream upstream, WatchCounters counters, Consumer<HubWatcher> onCompleted) {
    this.upstream = upstream;
    this.counters = counters;
    this.onCompleted = onCompleted;
  }

  /**
   * Moves {@code w} to its own upstream watch from revision {@code from}; a no-op but for ending it
   * if the client closed it already.
   */
  void open(HubWatcher w, long from, boolean createdNotify) {
    if (!w.moveToUpstream()) {
      return;
    }
    counters.upstreamWatchOpened();
    Watch.Watcher u = upstream.watch(w.request().key(), optionFrom(w.request().option(), from, createdNotify),
        new Watch.Listener() {
          @Override
          public void onNext(WatchResponse response) {
            w.deliverLater(response);
          }

          @Override
          public void onError(Throwable throwable) {
            w.failLater(throwable);
          }

          @Override
          public void onCompleted() {
            onCompleted.accept(w);
            w.completeLater();
          }
        });
    w.attachUpstream(u);
  }

  /** The client's options, from revision {@code from}, with created notification only if asked for. */
  private static WatchOption optionFrom(WatchOption o, long from, boolean createdNotify) {
    WatchOption.Builder b = WatchOption.builder()
        .withRevision(from)
        .withPrevKV(o.isPrevKV())
        .withProgressNotify(o.isProgressNotify())
        .withCreateNotify(createdNotify)
        .withNoPut(o.isNoPut())
        .withNoDelete(o.isNoDelete())
        .withRequireLeader(o.withRequireLeader())
        .isPrefix(o.isPrefix());
    o.getEndKey().ifPresent(b::withRange);
    return b.build();
  }
}
