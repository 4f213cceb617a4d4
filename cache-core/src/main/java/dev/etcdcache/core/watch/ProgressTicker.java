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
 *       {@code --experimental-watch-progress-notify-interval} ticker does. The interval is the
 *       server's own, learned from the mirror's upstream watch
 *       ({@link MirrorFeed#upstreamProgressInterval()}); until it is known, the configured one
 *       (by default etcd's default, 10 minutes). The tick also expires the history by age.</li>
 *   <li>On request: a LIVE watcher gets the mirror's revision after every event queued before it; a
 *       watcher on its own upstream watch asks etcd; lagging or pending watchers get nothing (etcd
 *       3.4.31+/3.5.13+ behaviour, not 3.4.23's early notification).</li>
 * </ul>
 *
 * <p>The tick is scheduled on a timer its caller owns ({@link #start}), one tick at a time so each
 * next one follows the interval known then; every tick and answer runs on the apply thread, so a
 * notification never overtakes an event of its revision.
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

  /** The longest the ticker sleeps before it looks at the interval again. */
  private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private ScheduledExecutorService timer;
  private Duration configured;
  /** When the last tick was posted (the start counts as one). */
  private volatile long lastTickNanos;
  private volatile ScheduledFuture<?> next;
  private volatile boolean stopped;

  /**
   * Ticks on {@code timer} (the ticks themselves run on the apply thread), every interval of etcd's
   * once learned, every {@code configured} until then.
   */
  synchronized void start(ScheduledExecutorService timer, Duration configured) {
    this.timer = timer;
    this.configured = configured;
    this.lastTickNanos = System.nanoTime();
    scheduleNext();
  }

  /** Stops ticking; a tick already posted may still run. */
  synchronized void stop() {
    stopped = true;
    ScheduledFuture<?> n = next;
    if (n != null) {
      n.cancel(false);
    }
  }

  /** The interval between ticks now: etcd's if seen on the mirror's watch, else the configured one. */
  Duration interval() {
    return source.upstreamProgressInterval().orElse(configured);
  }

  private synchronized void scheduleNext() {
    if (stopped) {
      return;
    }
    // Wake at least once a second, so an interval learned meanwhile (or changed) takes effect
    // within a second instead of after the fallback's 10 minutes.
    long interval = interval().toNanos();
    long wait = Math.max(0, Math.min(RECHECK_NANOS, lastTickNanos + interval - System.nanoTime()));
    try {
      next = timer.schedule(this::wake, wait, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The owner shut the timer down: the hub is closing.
    }
  }

  private void wake() {
    long now = System.nanoTime();
    if (now - lastTickNanos >= interval().toNanos()) {
      lastTickNanos = now;
      apply.post(this::tickOnApply);
    }
    scheduleNext();
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
