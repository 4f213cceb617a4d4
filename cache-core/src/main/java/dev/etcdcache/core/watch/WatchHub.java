package dev.etcdcache.core.watch;

import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.toEtcdException;

import dev.etcdcache.core.wire.EtcdFailures;
import io.etcd.jetcd.common.exception.EtcdException;
import dev.etcdcache.core.mirror.MirrorFeed;
import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.newClosedWatchClientException;
import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.newCompactedException;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.consistency.RevisionProbe;
import dev.etcdcache.core.history.EventHistory;
import dev.etcdcache.core.mirror.AppliedRevision;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.passthrough.JetcdRange;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.options.WatchOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves any number of client watchers from the mirror's one upstream watch, with etcd's watch
 * semantics. This class wires the parts and follows the mirror; each part is one file:
 *
 * <ul>
 *   <li>{@link Registration}: where a new watcher is served from (revision checks against etcd,
 *       replay, live, or its own upstream watch);</li>
 *   <li>{@link FanOut}: live dispatch of each applied revision, shaped per watcher;</li>
 *   <li>{@link HistoryReplay}: replay at registration and catch-up of lagging watchers;</li>
 *   <li>{@link UpstreamFallback}: a watcher's own upstream jetcd watch, when the mirror cannot serve it;</li>
 *   <li>{@link ProgressTicker}: progress notifications at the mirror's revision;</li>
 *   <li>{@link HubWatcher}: one watcher, its state and its bounded delivery queue.</li>
 * </ul>
 *
 * <h2>Threads and ordering</h2>
 * Everything that decides what a watcher receives runs on the mirror's apply thread: the mirror
 * calls this hub ({@link RevisionListener}) right after publishing each revision, and registration,
 * catch-up, re-list handling and progress are posted to the same thread. So a watcher registered
 * while the mirror is at revision C replays history up to C and receives C + 1 onwards live: no gap
 * and no duplicate at the seam. The apply thread only queues responses; each watcher's queue is
 * drained on the delivery executor, one callback at a time, so a slow listener delays nobody but
 * itself. There is no order between different watchers. The hub creates no thread: the delivery
 * executor and the progress timer belong to its caller, who shuts them down after {@link #close()}.
 *
 * <h2>Re-list</h2>
 * When the mirror re-lists, watchers whose next revision is past the re-listed revision go on; those
 * below the compact revision that forced it end with {@code CompactedException}; the others move to
 * their own upstream watch from their next revision.
 *
 * <p>Internal, no compatibility promise. Thread-safe.
 */
public final class WatchHub implements RevisionListener, AutoCloseable {

  /**
   * The hub's limits, chosen by its owner (the client's defaults: 1024 responses, 1000 revisions,
   * 10 seconds, and etcd's 10 minutes). Validated at construction.
   *
   * @param queueLimit responses a watcher's queue holds before the watcher lags and is caught up
   * @param replayRevisions at most this many revisions go in one replayed response
   * @param registrationTimeout how long the revision checks of a new watcher may take before it is
   *     given its own upstream watch instead
   * @param progressNotifyInterval how often idle progressNotify watchers get a progress response
   *     until etcd's own interval is seen on the mirror's upstream watch
   */
  public record Settings(int queueLimit, int replayRevisions, Duration registrationTimeout,
      Duration progressNotifyInterval) {
    public Settings {
      if (queueLimit < 1) {
        throw new IllegalArgumentException("queueLimit must be positive: " + queueLimit);
      }
      if (replayRevisions < 1) {
        throw new IllegalArgumentException("replayRevisions must be positive: " + replayRevisions);
      }
      requirePositive(registrationTimeout, "registrationTimeout");
      requirePositive(progressNotifyInterval, "progressNotifyInterval");
    }
  }

  private final MirrorFeed source;
  private final ApplyThread apply;
  private final EventHistory history;
  private final Executor delivery;
  private final int queueLimit;
  private final WatchCounters counters;
  private final FanOut fanOut;
  private final HistoryReplay replay;
  private final UpstreamFallback fallback;
  private final Registration registration;
  private final ProgressTicker progress;
  private final HubWatcher.Owner owner = new WatcherOwner();
  private final Set<HubWatcher> watchers = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean bypassed;

  /**
   * A hub over {@code mirror}, registered as its listener. {@code kv} and {@code watch} are the
   * wrapped client's, used for revision checks and for watchers the mirror cannot serve.
   *
   * @param history the replay history, fed by this hub from the mirror's revisions
   * @param delivery runs every listener callback; owned by the caller
   * @param timer schedules the progress tick; owned by the caller
   * @param ticker the time source of the revision checks
   * @param stats where watch requests, upstream traffic and slow watchers are recorded
   */
  public WatchHub(Mirror mirror, KV kv, Watch watch, EventHistory history, Executor delivery,
      ScheduledExecutorService timer, Settings settings, Ticker ticker, StatsRecorder stats) {
    this(mirror,
        new EtcdUpstream(new RevisionProbe(new JetcdRange(kv), mirror, ticker, stats, StatsRecorder.Rpc.WATCH_PROBE), watch),
        history, delivery, timer, settings, stats);
    source.addListener(this);
  }

  /** A hub on any source and upstream; {@code timer} may be null (no progress tick). */
  WatchHub(MirrorFeed source, Upstream upstream, EventHistory history, Executor delivery,
      ScheduledExecutorService timer, Settings settings, StatsRecorder stats) {
    this.source = source;
    this.apply = new ApplyThread(source);
    this.history = history;
    this.delivery = Objects.requireNonNull(delivery, "delivery");
    this.queueLimit = settings.queueLimit();
    this.counters = new WatchCounters(stats);
    Responses responses = new Responses(source);
    this.fanOut = new FanOut(responses, counters);
    this.fallback = new UpstreamFallback(upstream, counters, watchers::remove, source, history, fanOut, apply,
        () -> bypassed);
    this.replay = new HistoryReplay(history, source, responses, fanOut, fallback, settings.replayRevisions());
    this.registration = new Registration(source, upstream, history, apply, fanOut, replay, fallback, responses,
        settings.registrationTimeout(), this::moveToUpstreamOnApply);
    this.progress = new ProgressTicker(fanOut, history, source, responses, apply);
    if (timer != null) {
      progress.start(timer, settings.progressNotifyInterval());
    }
  }

  /**
   * Opens a watcher with etcd's semantics for {@code key} and {@code option}. Returns before the
   * watch is established, as jetcd does; every callback runs on the hub's delivery executor.
   *
   * @throws io.etcd.jetcd.common.exception.ClosedClientException if the hub is closed
   */
  public Watch.Watcher watch(ByteSequence key, WatchOption option, Watch.Listener listener) {
    return watch(key, option, listener, false);
  }

  /**
   * As {@link #watch(ByteSequence, WatchOption, Watch.Listener)}; with {@code inline}, the listener
   * is called on the thread that produces each response instead of the delivery executor: live
   * responses on the mirror's apply thread right after their revision is published (no hand-off),
   * replays and catch-ups on the apply thread too, responses of a watcher's own upstream watch on
   * jetcd's thread, {@code onCompleted} after a close on the closing thread. Callbacks stay serial
   * and in order, with the same responses, filters, errors and progress as a queued watcher. The
   * listener must not block: while it runs the mirror applies nothing and no other watcher hears
   * anything. Callbacks slower than {@link dev.etcdcache.core.delivery.InlineBudget#SLOW_NANOS} are
   * counted ({@link #slowInlineCalls()}) and logged once per watcher.
   */
  public Watch.Watcher watch(ByteSequence key, WatchOption option, Watch.Listener listener, boolean inline) {
    if (closed.get()) {
      throw newClosedWatchClientException();
    }
    WatchRequest request = WatchRequest.of(key, option);
    counters.watchOpened();
    HubWatcher w = new HubWatcher(owner, ids.incrementAndGet(), request, listener, inline ? null : delivery,
        queueLimit);
    watchers.add(w);
    if (bypassed) {
      fallback.open(w, request.startRevision(), request.createdNotify());
    } else {
      registration.start(w);
    }
    return w;
  }

  /**
   * The runtime bypass. On: every watcher served from memory moves to its own upstream watch from
   * exactly the first revision it has not been sent (as after a re-list), and new watchers open
   * their own upstream watch at once; a watcher still registering when the bypass turns on moves
   * as soon as it goes live (after its replay, before any later revision is dispatched). No watcher rejoins
   * the shared stream while it is on. Off: new watchers are served from memory again, and every
   * watcher on its own upstream watch goes back to the shared stream through the fallen-off
   * watchers' rejoin ({@link UpstreamFallback}): those the bypass moved at once, from the first
   * revision their own watch has not sent them (caught up from the history, so nothing is lost or
   * repeated at the seam); those opened on etcd while it was on once etcd has vouched how far it
   * sent them (an event or a periodic progress notification). The mirror keeps applying meanwhile,
   * so turning the bypass off needs no re-list.
   */
  public void bypass(boolean on) {
    bypassed = on;
    if (!closed.get()) {
      apply.post(on ? this::moveToUpstreamOnApply : this::rejoinOnApply);
    }
  }

  private void rejoinOnApply() {
    if (!bypassed) {
      fallback.rejoinAllOnApply(watchers);
    }
  }

  private void moveToUpstreamOnApply() {
    if (!bypassed) {
      return;
    }
    long last = history.isStarted() ? history.lastRevision() : source.currentRevision();
    for (HubWatcher w : fanOut.all()) {
      long next = w.unsentRevisionAfter(last);
      fanOut.remove(w);
      fallback.resume(w, next);
    }
  }

  /** Asks for a progress notification on every watcher of this hub. */
  public void requestProgress() {
    if (!closed.get()) {
      apply.post(() -> watchers.forEach(progress::progressNowOnApply));
    }
  }

  /** Client watchers open now. */
  public int watchers() {
    return watchers.size();
  }

  @Override
  public int fanOut() {
    return watchers();
  }

  /** Watchers served by their own upstream watch now (an approximation while watchers come and go). */
  public int upstreamStreams() {
    int open = 0;
    for (HubWatcher w : watchers) {
      if (w.hasOpenUpstream()) {
        open++;
      }
    }
    return open;
  }

  /** Watchers ever moved to, or opened on, their own upstream watch. */
  public long upstreamWatches() {
    return counters.upstreamWatches();
  }

  /** Watchers that went back from their own upstream watch to the shared one. */
  public long upstreamRejoins() {
    return counters.rejoins();
  }

  /** Times a watcher's queue overflowed and it had to catch up. */
  public long overflows() {
    return counters.overflows();
  }

  /** Watchers the hub itself ended with a compaction error (after a mirror re-list). */
  public long compactionCancels() {
    return counters.compactionCancels();
  }

  /** Listener callbacks that threw. */
  public long listenerFailures() {
    return counters.listenerFailures();
  }

  /** Callbacks of inline listeners that took longer than {@code InlineBudget.SLOW_NANOS}. */
  public long slowInlineCalls() {
    return counters.slowInlineCalls();
  }

  /** The replay history. */
  public EventHistory history() {
    return history;
  }

  /**
   * Closes every watcher (each gets {@code onCompleted}) and stops following the mirror. The
   * delivery executor and the timer stay up: their owner shuts them down.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    source.removeListener(this);
    progress.stop();
    new ArrayList<>(watchers).forEach(HubWatcher::close);
  }

  // ---- RevisionListener: the apply thread ----

  @Override
  public void onRevision(AppliedRevision applied) {
    if (!history.isStarted()) {
      history.reset(applied.before().revision());
    }
    // No bypass check per revision: every way into the index runs on this thread and is followed
    // by a move while the bypass is on (the post of bypass(true), a registration's onLive; rejoins
    // are held), so nothing indexed is left to move here.
    List<Event> events = applied.events();
    history.append(applied.revision(), events);
    fanOut.dispatch(applied.revision(), events);
  }

  @Override
  public void onProgress(StoreVersion version) {
    if (!history.isStarted()) {
      history.reset(version.revision());
    }
    history.advance(version.revision());
  }

  /**
   * The mirror lost etcd for a moment: every watcher served from memory hears it as a direct jetcd
   * watcher would ({@code onError} with an {@code EtcdException}, the watcher staying open); the
   * mirror resumes from its applied revision, so no event is lost or repeated. Watchers on their
   * own upstream watch hear it from jetcd.
   */
  @Override
  public void onUpstreamError(Throwable error) {
    EtcdException shown = toEtcdException(EtcdFailures.unwrap(error));
    for (HubWatcher w : fanOut.all()) {
      if (!w.hasOpenUpstream() && !w.isClosedByClient()) {
        w.failLater(shown);
      }
    }
  }

  @Override
  public void onRelist(StoreVersion version, long compactRevision) {
    long previous = history.isStarted() ? history.lastRevision() : version.revision();
    long listed = version.revision();
    history.reset(listed);
    for (HubWatcher w : fanOut.all()) {
      long next = w.unsentRevisionAfter(previous);
      if (next > listed) {
        w.holdUntil(next);
        continue;
      }
      fanOut.remove(w);
      if (compactRevision > 0 && next < compactRevision) {
        cancelCompactedOnApply(w, compactRevision);
      } else {
        fallback.open(w, next, false);
      }
    }
  }

  /** For tests: runs one progress tick on the apply thread. */
  void progressTickForTest() {
    apply.post(progress::tickOnApply);
  }

  private void cancelCompactedOnApply(HubWatcher w, long compactRevision) {
    w.end();
    watchers.remove(w);
    counters.compactionCancelled();
    w.failLater(newCompactedException(compactRevision));
    w.completeLater();
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }

  /** The hub as its watchers see it. */
  private final class WatcherOwner implements HubWatcher.Owner {
    @Override
    public void drainedWhileLagging(HubWatcher w) {
      apply.post(() -> replay.catchUpOnApply(w));
    }

    @Override
    public void closedByClient(HubWatcher w) {
      watchers.remove(w);
      w.closeUpstream();
      apply.post(() -> {
        fanOut.remove(w);
        w.end();
      });
    }

    @Override
    public void progressRequested(HubWatcher w) {
      apply.post(() -> progress.progressNowOnApply(w));
    }

    @Override
    public void listenerFailed() {
      counters.listenerFailed();
    }

    @Override
    public void inlineListenerSlow(long nanos) {
      counters.inlineListenerSlow(nanos);
    }
  }
}
