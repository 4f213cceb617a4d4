package dev.etcdcache.core.mirror;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.KeyRange;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror's one upstream watch, owned end to end.
 *
 * <p>jetcd resumes a failed watcher by itself, and such a resume may repeat or skip events, so this
 * loop never lets it: on any error it closes the watcher and opens a new one from the mirror's
 * applied revision + 1 after a backoff. Every watcher gets a generation number and responses of an
 * older generation are dropped. When the stream is silent for {@code progressInterval} it asks etcd
 * for progress; silent past {@code stallTimeout} (a stalled connection), it re-establishes the
 * watch. A compaction error hands over to the mirror's re-list.
 *
 * <p>All state is touched by the mirror's applier only ({@link ApplyLane}: the apply thread, or
 * jetcd's thread that received a small response while the apply thread had nothing queued), one
 * at a time, responses in the order received.
 */
final class WatchLoop {

  private static final Logger LOG = LoggerFactory.getLogger(WatchLoop.class);

  /** What the loop reports to its mirror; every call is on the apply executor. */
  interface Sink {
    long appliedRevision();

    /** How many watchers the mirror's consumers may hand one revision to (any thread, approximate). */
    int fanOut();

    /** A response of the watch: events, or a progress notification (no events). */
    void onResponse(WatchResponse response);

    /** The watch was silent for the progress interval and the loop asked etcd for progress. */
    void onIdle();

    void onConnected(boolean connected, String error);

    void onCompacted(long compactRevision);

    /** The watch failed for another reason (etcd unreachable, stream broken, stalled); it will reconnect. */
    void onFailed(Throwable error);
  }

  private final Watch watch;
  private final KeyRange range;
  private final MirrorSettings settings;
  private final ApplyLane applier;
  private final Ticker ticker;
  private final Sink sink;
  private final StatsRecorder stats;
  private final ProgressCadence cadence;
  private Watch.Watcher watcher;
  private long generation;
  private long lastResponseNanos;
  private long lastProgressRequestNanos;
  private long backoffNanos;
  private boolean closed;
  /** Paused (the mirror degraded under its memory limits): no watch is open until {@link #restart()}. */
  private boolean paused;
  private ScheduledFuture<?> tick;

  /** Events in a response applied on the receiving thread at most (see {@link #isSmall}). */
  static final int INLINE_APPLY_MAX_EVENTS = 16;
  /** Key and value bytes in a response applied on the receiving thread at most (see {@link #isSmall}). */
  static final int INLINE_APPLY_MAX_BYTES = 64 * 1024;
  /**
   * Watchers a revision may fan out to for it to be applied on the receiving thread at most: past
   * this the hand-off to each watcher's queue, not the apply itself, is the revision's cost, and it
   * would hold jetcd's event loop (and the client's RPC answers) for every revision (a quiet run
   * measured broadcasts to 1 and 100 watchers faster applied there; 1,000 stay on the apply thread).
   */
  static final int INLINE_APPLY_MAX_FAN_OUT = 256;

  /** Progress requests kept unanswered at most (a bound, in case etcd ignores some). */
  private static final int MAX_UNANSWERED = 64;

  /** Send times of progress requests not answered yet, oldest first (apply thread only). */
  private final java.util.ArrayDeque<Long> unanswered = new java.util.ArrayDeque<>();
  /** Whether etcd confirmed the current watch (apply thread only). */
  private boolean created;
  /** A progress request arrived before the watch was created (apply thread only). */
  private boolean progressWanted;

  WatchLoop(Watch watch, KeyRange range, MirrorSettings settings, ApplyLane applier,
      Ticker ticker, Sink sink, StatsRecorder stats, ProgressCadence cadence) {
    this.watch = watch;
    this.cadence = cadence;
    this.stats = stats;
    this.range = range;
    this.settings = settings;
    this.applier = applier;
    this.ticker = ticker;
    this.sink = sink;
    this.backoffNanos = settings.backoffMin().toNanos();
  }

  /** Opens the watch from the mirror's applied revision + 1 and starts the liveness tick. */
  void start() {
    open();
    long period = Math.max(10, settings.progressInterval().toMillis() / 2);
    tick = applier.scheduleWithFixedDelay(this::checkLiveness, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Asks etcd for a progress notification now, or, while the watch is not yet created at etcd
   * (which ignores a progress request for a watch it does not have yet), as soon as it is.
   */
  void requestProgress() {
    if (watcher == null || !created) {
      progressWanted = true;
      return;
    }
    lastProgressRequestNanos = ticker.read();
    if (unanswered.size() >= MAX_UNANSWERED) {
      // Not sent: an answer to a request that is not kept would be taken for one of etcd's
      // periodic notifications and skew the cadence learned from them.
      return;
    }
    unanswered.addLast(lastProgressRequestNanos);
    stats.recordRpc(StatsRecorder.Rpc.PROGRESS_REQUEST);
    watcher.requestProgress();
  }

  /** Closes the watch for good. */
  void close() {
    closed = true;
    if (tick != null) {
      tick.cancel(false);
    }
    closeWatcher();
  }

  /** Closes the current watch and opens a new one after the backoff (e.g. after a re-list). */
  void restart() {
    paused = false;
    closeWatcher();
    open();
  }

  /**
   * Closes the watch and keeps it closed (no reconnect, no stall check) until {@link #restart()}:
   * the mirror stopped applying to stay within its memory limits.
   */
  void pause() {
    paused = true;
    closeWatcher();
    generation++; // a reconnect already scheduled belongs to a watch that no longer counts
  }

  private void open() {
    if (closed || paused) {
      return;
    }
    long gen = ++generation;
    created = false;
    unanswered.clear(); // requests sent on an earlier watch are answered on none
    long from = sink.appliedRevision() + 1;
    WatchOption option = WatchOption.builder()
        .withRange(ByteSequence.from(range.rangeEnd()))
        .withRevision(from)
        .withProgressNotify(true)
        .withCreateNotify(true)
        // A member cut off from its peers cancels the watch (and we reconnect, possibly to another
        // member) instead of holding the mirror on a stream that can no longer be current.
        .withRequireLeader(true)
        .build();
    lastResponseNanos = ticker.read();
    stats.recordRpc(StatsRecorder.Rpc.WATCH_STREAM);
    watcher = watch.watch(ByteSequence.from(range.key()), option, Watch.listener(
        response -> {
          // A small response reaching few watchers is applied here, on jetcd's thread, when the
          // apply thread has nothing queued: one thread wake-up less per revision (see isSmall).
          Runnable next = () -> onNext(gen, response);
          if (!isSmall(response) || sink.fanOut() > INLINE_APPLY_MAX_FAN_OUT || !applier.runHere(next)) {
            applier.execute(next);
          }
        },
        error -> applier.execute(() -> onError(gen, error)),
        () -> applier.execute(() -> onError(gen, new IllegalStateException("watch completed by etcd")))));
  }

  /**
   * Whether {@code response} is small enough to apply on the thread that received it (jetcd 0.8.6
   * calls watch listeners on its Vert.x event loop, which also completes the client's KV calls):
   * a revision of a few small events costs that loop tens of microseconds and saves the wake-up of
   * the apply thread; a larger one would hold every KV answer of the client behind it, so it goes
   * to the apply thread (as does any response while the apply thread has work queued).
   */
  static boolean isSmall(WatchResponse response) {
    List<WatchEvent> events = response.getEvents();
    if (events.size() > INLINE_APPLY_MAX_EVENTS) {
      return false;
    }
    long bytes = 0;
    for (WatchEvent event : events) {
      bytes += event.getKeyValue().getKey().size() + event.getKeyValue().getValue().size();
      if (event.getPrevKV() != null) {
        bytes += event.getPrevKV().getValue().size();
      }
    }
    return bytes <= INLINE_APPLY_MAX_BYTES;
  }

  private void onNext(long gen, WatchResponse response) {
    if (gen != generation || closed) {
      return;
    }
    lastResponseNanos = ticker.read();
    backoffNanos = settings.backoffMin().toNanos();
    if (response.isCreatedNotify()) {
      created = true;
      cadence.streamStarted(lastResponseNanos);
      sink.onConnected(true, null);
      if (progressWanted) {
        progressWanted = false;
        requestProgress();
      }
      return;
    }
    if (response.getEvents().isEmpty()) {
      // etcd answers progress requests in order, on the stream they were sent on; a notification
      // with none outstanding is etcd's own periodic one.
      Long oldest = unanswered.pollFirst();
      if (oldest == null) {
        cadence.periodic(lastResponseNanos);
      }
    }
    sink.onResponse(response);
  }

  private void onError(long gen, Throwable error) {
    if (gen != generation || closed) {
      return;
    }
    closeWatcher();
    // jetcd may follow an error with onCompleted, or resume the watcher itself: from here on,
    // nothing of this watcher counts.
    generation++;
    if (error instanceof CompactedException compacted) {
      LOG.warn("upstream watch fell behind etcd's compaction at revision {}; re-listing",
          compacted.getCompactedRevision());
      sink.onConnected(false, "compacted: " + compacted.getMessage());
      sink.onCompacted(compacted.getCompactedRevision());
      return;
    }
    LOG.warn("upstream watch failed ({}); reconnecting from revision {} in {} ms", error.toString(),
        sink.appliedRevision() + 1, TimeUnit.NANOSECONDS.toMillis(backoffNanos));
    sink.onConnected(false, error.toString());
    sink.onFailed(error);
    reconnectLater();
  }

  private void reconnectLater() {
    long gen = generation;
    applier.schedule(() -> {
      if (gen == generation && !closed) {
        open();
      }
    }, backoffNanos, TimeUnit.NANOSECONDS);
    backoffNanos = Math.min(settings.backoffMax().toNanos(), backoffNanos * 2);
  }

  private void checkLiveness() {
    if (closed || watcher == null) {
      return;
    }
    long now = ticker.read();
    long silent = now - lastResponseNanos;
    if (silent > settings.stallTimeout().toNanos()) {
      LOG.warn("upstream watch silent for {} ms; re-establishing it", TimeUnit.NANOSECONDS.toMillis(silent));
      closeWatcher();
      sink.onConnected(false, "upstream watch stalled");
      sink.onFailed(io.grpc.Status.UNAVAILABLE
          .withDescription("etcd-cache: the upstream watch was silent past the stall timeout").asRuntimeException());
      generation++;
      reconnectLater();
    } else if (silent > settings.progressInterval().toNanos()
        && now - lastProgressRequestNanos > settings.progressInterval().toNanos()) {
      requestProgress();
      sink.onIdle();
    }
  }

  private void closeWatcher() {
    cadence.streamEnded();
    if (watcher != null) {
      try {
        watcher.close();
      } catch (RuntimeException e) {
        LOG.debug("closing upstream watcher failed", e);
      }
      watcher = null;
    }
  }
}
