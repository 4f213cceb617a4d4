package dev.etcdcache.core.watch;

import dev.etcdcache.core.mirror.MirrorFeed;
import dev.etcdcache.core.history.EventHistory;
import dev.etcdcache.core.store.KeyRange;
import io.etcd.jetcd.api.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * Replay from the event history: a new watcher's past revisions at registration, and the catch-up
 * of a lagging watcher once its listener has drained its queue.
 *
 * <h2>What a replay sends</h2>
 * The watcher's events from the start revision to the current one, shaped for it, in batches of at
 * most {@code replayRevisions} revisions; each batch's header is the current revision, as etcd's
 * own catch-up does. Replays are queued whatever the queue holds: they are bounded by the history.
 *
 * <h2>Catch-up</h2>
 * A lagging watcher still in the history is replayed from the first revision it missed and goes
 * LIVE from the next revision; one that fell off the history moves to its own upstream watch from
 * that revision, so etcd decides whether it was compacted.
 *
 * <p>Not thread-safe: the mirror's apply thread only, so nothing is applied between the replay and
 * the watcher going live (no gap and no duplicate at the seam).
 */
final class HistoryReplay {

  private final EventHistory history;
  private final MirrorFeed source;
  private final Responses responses;
  private final FanOut fanOut;
  private final UpstreamFallback fallback;
  private final int replayRevisions;

  /** @param replayRevisions at most this many revisions go in one replayed response */
  HistoryReplay(EventHistory history, MirrorFeed source, Responses responses, FanOut fanOut,
      UpstreamFallback fallback, int replayRevisions) {
    this.history = history;
    this.source = source;
    this.responses = responses;
    this.fanOut = fanOut;
    this.fallback = fallback;
    this.replayRevisions = replayRevisions;
  }

  /**
   * Catches up {@code w} if it is still lagging: from the history, or by its own upstream watch if
   * the history no longer holds the first revision it missed. Apply thread only.
   */
  void catchUpOnApply(HubWatcher w) {
    if (!w.isLagging()) {
      return;
    }
    long current = source.currentRevision();
    if (history.covers(w.nextRevision())) {
      replayOnApply(w, w.nextRevision(), current, 0);
      // A watcher back from its own upstream watch may have been sent revisions the mirror has
      // not applied yet.
      w.goLive(Math.max(current + 1, w.nextRevision()));
    } else {
      fanOut.remove(w);
      fallback.open(w, w.nextRevision(), false);
    }
  }

  /**
   * Queues {@code w}'s events from revision {@code from} to {@code current}, with headers at
   * {@code current}. Apply thread only.
   *
   * @param dropDeletesAt a revision whose DELETEs are not sent and whose prevKVs are cleared, because
   *     it is etcd's compact revision and the watcher starts there; 0 for none
   */
  void replayOnApply(HubWatcher w, long from, long current, long dropDeletesAt) {
    KeyRange range = w.request().range();
    int shape = w.request().variant();
    List<Event> batch = new ArrayList<>();
    int revisions = 0;
    for (EventHistory.Entry entry : history.since(from)) {
      boolean any = false;
      for (Event e : entry.events()) {
        Event s = shapeForReplay(e, entry.revision() == dropDeletesAt, range, shape);
        if (s != null) {
          batch.add(s);
          any = true;
        }
      }
      if (any && ++revisions == replayRevisions) {
        w.deliverLater(responses.events(current, batch));
        batch = new ArrayList<>();
        revisions = 0;
      }
    }
    if (!batch.isEmpty()) {
      w.deliverLater(responses.events(current, batch));
    }
    w.markSent();
  }

  /** The event as the watcher receives it in a replay, or null if it receives nothing of it. */
  private static Event shapeForReplay(Event e, boolean atCompactRevision, KeyRange range, int shape) {
    if (atCompactRevision && e.getType() == Event.EventType.DELETE) {
      return null;
    }
    if (!range.contains(e.getKv().getKey().toByteArray())) {
      return null;
    }
    Event s = WatchRequest.shape(e, shape);
    if (s != null && atCompactRevision && s.hasPrevKv()) {
      // etcd reads prevKV at mod revision - 1, which is gone when the start is the compact revision.
      s = s.toBuilder().clearPrevKv().build();
    }
    return s;
  }
}
