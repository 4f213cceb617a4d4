package dev.etcdcache.core.watch;

import dev.etcdcache.core.history.EventHistory;
import dev.etcdcache.core.mirror.MirrorFeed;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.function.BooleanSupplier;
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
 * <h2>Rejoining</h2>
 * Not for life: a watcher inside the mirrored ranges goes back to the hub once etcd has sent it, on
 * its own watch, every event up to a revision the history covers the rest from (its last event's,
 * or one a periodic progress notification vouches for; the own watch always asks etcd for those).
 * It then turns LAGGING from the next revision and is caught up from the history like any lagging
 * watcher, so no event is lost or repeated at the seam; etcd's stream for it is closed.
 *
 * <p>A watcher the hub moved here from a revision the history covers ({@link #resume}, the runtime
 * bypass) needs no word from etcd: the hub had sent it every event before that revision and could
 * have gone on serving it, so it may rejoin before etcd sends anything. While the owner holds
 * rejoins ({@code held}, the bypass), no watcher rejoins; {@link #rejoinAllOnApply} brings back
 * every one that may once the hold ends.
 *
 * <p>Thread-safe; called on the apply thread, or on the client's thread for a watcher the apply
 * thread has not seen yet.
 */
final class UpstreamFallback {

  private final Upstream upstream;
  private final WatchCounters counters;
  private final Consumer<HubWatcher> onCompleted;
  private final MirrorFeed source;
  private final EventHistory history;
  private final FanOut fanOut;
  private final ApplyThread apply;
  private final BooleanSupplier held;

  /**
   * @param onCompleted called (on jetcd's thread) when etcd ends a watcher's upstream watch
   * @param source, history, fanOut, apply where a rejoining watcher is served from again
   * @param held while true, no watcher rejoins (the runtime bypass keeps every watcher on etcd)
   */
  UpstreamFallback(Upstream upstream, WatchCounters counters, Consumer<HubWatcher> onCompleted,
      MirrorFeed source, EventHistory history, FanOut fanOut, ApplyThread apply, BooleanSupplier held) {
    this.upstream = upstream;
    this.counters = counters;
    this.onCompleted = onCompleted;
    this.source = source;
    this.history = history;
    this.fanOut = fanOut;
    this.apply = apply;
    this.held = held;
  }

  /**
   * Moves {@code w} to its own upstream watch from revision {@code from}; a no-op but for ending it
   * if the client closed it already.
   */
  void open(HubWatcher w, long from, boolean createdNotify) {
    start(w, from, createdNotify, false);
  }

  /**
   * Moves {@code w}, taken out of the hub's index, to its own upstream watch from revision
   * {@code from}, the first it has not been sent. If the history covers {@code from}, the hub could
   * serve it on, so it may rejoin before etcd sends it anything. Apply thread only.
   */
  void resume(HubWatcher w, long from) {
    start(w, from, false, from >= 0 && history.isStarted() && history.covers(from));
  }

  private void start(HubWatcher w, long from, boolean createdNotify, boolean sentBefore) {
    if (!w.moveToUpstream()) {
      return;
    }
    counters.upstreamWatchOpened();
    Object token = w.upstreamStarted(from, sentBefore);
    boolean mayRejoin = from >= 0 && source.covers(w.request().range());
    Watch.Watcher u = upstream.watch(w.request().key(), optionFrom(w.request().option(), from, createdNotify),
        new Watch.Listener() {
          @Override
          public void onNext(WatchResponse response) {
            long through = w.acceptUpstream(token, response);
            if (mayRejoin && through >= 0 && (!history.isStarted() || history.covers(through + 1))) {
              apply.post(() -> rejoinOnApply(w));
            }
          }

          @Override
          public void onError(Throwable throwable) {
            if (w.isCurrentUpstream(token)) {
              w.failLater(throwable);
            }
          }

          @Override
          public void onCompleted() {
            // jetcd completes a watcher it was asked to close: after a rejoin, that is not the end.
            if (w.isCurrentUpstream(token)) {
              onCompleted.accept(w);
              w.completeLater();
            }
          }
        });
    w.attachUpstream(token, u);
  }

  /**
   * Brings back to the hub every one of {@code watchers} that is on its own watch, inside the
   * mirrored ranges, and whose own watch has sent it every event up to a revision the history
   * covers the rest from; the others rejoin later as etcd vouches for them. Apply thread only.
   */
  void rejoinAllOnApply(Iterable<HubWatcher> watchers) {
    for (HubWatcher w : watchers) {
      if (w.hasOpenUpstream() && w.request().startRevision() >= 0 && source.covers(w.request().range())) {
        rejoinOnApply(w);
      }
    }
  }

  /** Brings {@code w} back to the hub if it is still on its own watch and the history covers the rest. Apply thread only. */
  private void rejoinOnApply(HubWatcher w) {
    if (held.getAsBoolean() || source.currentRevision() < 0 || source.isDegraded()) { // a degraded mirror applies nothing
      return;
    }
    if (!history.isStarted()) {
      // Nothing was applied since the mirror was listed: the history starts here, as at a registration.
      history.reset(source.currentRevision());
    }
    if (w.rejoin(history::covers)) {
      fanOut.add(w);
      counters.upstreamWatchRejoined();
    }
  }

  /** The client's options, from revision {@code from}, with created notification only if asked for. */
  private static WatchOption optionFrom(WatchOption o, long from, boolean createdNotify) {
    WatchOption.Builder b = WatchOption.builder()
        .withRevision(from)
        .withPrevKV(o.isPrevKV())
        // Always: a periodic notification tells how far etcd has sent (see rejoining); the client
        // gets them only if it asked.
        .withProgressNotify(true)
        .withCreateNotify(createdNotify)
        .withNoPut(o.isNoPut())
        .withNoDelete(o.isNoDelete())
        .withRequireLeader(o.withRequireLeader())
        .isPrefix(o.isPrefix());
    o.getEndKey().ifPresent(b::withRange);
    return b.build();
  }
}
