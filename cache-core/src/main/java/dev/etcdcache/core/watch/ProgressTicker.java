package dev.etcdcache.core.watch;

import dev.etcdcache.core.mirror.MirrorFeed;
import dev.etcdcache.core.history.EventHistory;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Progress notifications the hub answers itself, at the mirror's revision.
 *
 * <ul>
 *   <li>The tick: a LIVE watcher with progressNotify that was sent nothing during one interval gets
 *       an empty response at the mirror's revision, as etcd's
 *       {@code --experimental-watch-progress-notify-interval} ticker does (etcd's default is 10
 *       minutes). The tick also expires the history by age.</li>
 *   <li>On request: a LIVE watcher gets the mirror's revision after every event queued before it; a
 *       watcher on its own upstream watch asks etcd; lagging or pending watchers get nothing (etcd
 *       3.4.31+/3.5.13+ behaviour, not 3.4.23's early notification).</li>
 * </ul>
 *
 * <p>The tick is scheduled on a timer its caller owns ({@link #schedule}); every tick and answer
 * runs on the apply thread, so a notification never overtakes an event of its revision.
 */
final class ProgressTicker {

  private final FanOut fanOut;
  private final EventHistory history;
  private final MirrorFeed source;
  private final Responses responses;
  private final ApplyThread apply;

  ProgressTicker(FanOut fanOut, EventHistory history, MirrorFeed source, Responses responses,
      ApplyThread apply) {
    this.fanOut = fanOut;
    this.history = history;
    this.source = source;
    this.responses = responses;
    this.apply = apply;
  }

  /**
   * Ticks every {@code interval} on {@code timer} (the ticks themselves run on the apply thread).
   *
   * @return the schedule, for its owner to cancel
   */
  ScheduledFuture<?> schedule(ScheduledExecutorService timer, Duration interval) {
    long period = interval.toNanos();
    return timer.scheduleAtFixedRate(() -> apply.post(this::tickOnApply), period, period, TimeUnit.NANOSECONDS);
  }

  /**
   * One tick: idle LIVE progressNotify watchers get a notification, and every progressNotify watcher
   * starts a new period. Apply thread only.
   */
  void tickOnApply() {
    history.expire();
    long c = source.currentRevision();
    for (HubWatcher w : fanOut.all()) {
      if (!w.request().progressNotify()) {
        continue;
      }
      boolean sent = w.takeSentSinceProgressTick();
      if (w.isLive() && !sent) {
        w.deliverLater(responses.progress(c));
      }
    }
  }

  /** Answers a progress request for {@code w}. Apply thread only. */
  void progressNowOnApply(HubWatcher w) {
    if (w.isLive()) {
      w.deliverLater(responses.progress(source.currentRevision()));
    } else {
      w.requestUpstreamProgress();
    }
  }
}
