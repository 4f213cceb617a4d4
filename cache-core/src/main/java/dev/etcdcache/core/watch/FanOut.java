package dev.etcdcache.core.watch;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Live fan-out: the LIVE and LAGGING watchers by key range ({@link WatcherIndex}), and the
 * dispatch of each applied revision to the LIVE ones, one response per watcher and revision.
 *
 * <h2>Event shaping</h2>
 * Watchers of one range share a {@link WatcherIndex.Group}; a revision's events for a group are
 * gathered once, and the response for each shape of watcher (prevKV, noPut, noDelete: see
 * {@link WatchRequest#variant()}) is built once, when the first watcher of that shape needs it, and
 * shared by the others. A watcher whose filters drop every event of the revision is sent nothing.
 *
 * <h2>Slow watchers</h2>
 * A watcher whose queue refuses the response turns LAGGING ({@link HubWatcher#offerLive}); it stays
 * indexed but is skipped until {@link HistoryReplay} catches it up.
 *
 * <p>Not thread-safe: the mirror's apply thread only.
 */
final class FanOut {

  private final WatcherIndex index = new WatcherIndex();
  /** Groups that received events in the revision being dispatched. */
  private final List<WatcherIndex.Group> touched = new ArrayList<>();
  private final Responses responses;
  private final WatchCounters counters;

  FanOut(Responses responses, WatchCounters counters) {
    this.responses = responses;
    this.counters = counters;
  }

  /** Indexes a watcher that just went LIVE. */
  void add(HubWatcher w) {
    index.add(w);
  }

  /** Takes {@code w} out of the index if it is in it (LIVE or LAGGING); else a no-op. */
  void remove(HubWatcher w) {
    if (w.isIndexed()) {
      index.remove(w);
    }
  }

  /** Every indexed watcher, for sweeps that must visit all (re-list, progress). */
  List<HubWatcher> all() {
    return index.all();
  }

  /** Indexed watchers. */
  int size() {
    return index.size();
  }

  /** Sends {@code events}, applied at {@code revision}, to every LIVE watcher they concern. */
  void dispatch(long revision, List<Event> events) {
    if (index.size() == 0) {
      return;
    }
    for (Event e : events) {
      index.forEachMatch(e.getKv().getKey().toByteArray(), g -> {
        if (g.pending.isEmpty()) {
          touched.add(g);
        }
        g.pending.add(e);
      });
    }
    for (WatcherIndex.Group g : touched) {
      for (HubWatcher w : g.watchers) {
        if (!w.isLiveAt(revision)) {
          continue;
        }
        WatchResponse response = variant(g, w.request().variant(), revision);
        if (response != null && !w.offerLive(revision, response)) {
          counters.overflowed();
        }
      }
      g.clearScratch();
    }
    touched.clear();
  }

  /** The group's response for watchers of {@code shape}, built on first use; null if it has no events. */
  private WatchResponse variant(WatcherIndex.Group g, int shape, long revision) {
    if (!g.built[shape]) {
      List<Event> shaped = new ArrayList<>(g.pending.size());
      for (Event e : g.pending) {
        Event s = WatchRequest.shape(e, shape);
        if (s != null) {
          shaped.add(s);
        }
      }
      g.variants[shape] = shaped.isEmpty() ? null : responses.events(revision, shaped);
      g.built[shape] = true;
    }
    return g.variants[shape];
  }
}
