package dev.etcdcache.core.watch;

import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.newClosedWatchClientException;
import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.newCompactedException;
import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.newEtcdException;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.consistency.RevisionProbe;
import dev.etcdcache.core.history.EventHistory;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves any number of client watchers from the mirror's one upstream watch, with etcd's watch
 * semantics.
 *
 * <h2>Threads and ordering</h2>
 * Everything that decides what a watcher receives runs on the mirror's apply thread: the mirror
 * calls this hub ({@link RevisionListener}) right after publishing each revision, and registration,
 * catch-up, re-list handling and progress are posted to the same thread. So a watcher registered
 * while the mirror is at revision C replays history up to C and receives C + 1 onwards live: no gap
 * and no duplicate at the seam. The apply thread only queues responses; each watcher's
 * {@link HubWatcher} drains its own queue on the delivery executor, one callback at a time, so a
 * slow listener delays nobody but itself. There is no order between different watchers.
 *
 * <h2>Where a watcher is served from</h2>
 * <ul>
 *   <li>Start revision 0 (now): a count-only Range learns etcd's revision R after the call; the
 *       watcher registers once the mirror has applied R and starts after the mirror's revision then,
 *       so a write acknowledged before {@code watch()} is never delivered, as with etcd.</li>
 *   <li>In the history: the same Range at the start revision checks etcd's compaction (and, if a
 *       DELETE at exactly that revision would be replayed, a second one at the revision before: a
 *       DELETE at the compact revision is gone in etcd); then replay in batches of at most
 *       {@value #REPLAY_REVISIONS} revisions, header = current revision, then live.</li>
 *   <li>Older than the history, outside the mirrored ranges, negative, or when anything above
 *       fails: the watcher gets its own upstream jetcd watch for its whole life, whose responses
 *       (compaction error included) are etcd's own. It still gets callbacks from this hub's
 *       executor.</li>
 *   <li>A queue overflow marks the watcher lagging; once its listener has drained the queue it is
 *       caught up from the history in one batch, or, if it fell off the history, moved to its own
 *       upstream watch from its next revision, so etcd decides whether it was compacted.</li>
 *   <li>A mirror re-list: watchers whose next revision is past the re-listed revision go on; those
 *       below the compact revision that forced it end with {@code CompactedException}; the others
 *       move to their own upstream watch from their next revision.</li>
 * </ul>
 *
 * <h2>Progress</h2>
 * A watcher with progressNotify that was sent nothing during one progress interval gets an empty
 * response at the mirror's revision, as etcd's {@code --experimental-watch-progress-notify-interval}
 * ticker does (etcd's default is 10 minutes). {@code requestProgress} answers live watchers with the
 * mirror's revision after every event queued before it; lagging or pending watchers get nothing
 * (etcd 3.4.31+/3.5.13+ behaviour, not 3.4.23's early notification).
 *
 * <p>Internal, no compatibility promise. Thread-safe.
 */
public final class WatchHub implements RevisionListener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);
  static final int REPLAY_REVISIONS = 1000;

  /** What the hub needs of the mirror. */
  interface Source {
    /** Runs {@code task} on the apply thread. */
    void execute(Runnable task);

    /** The latest applied revision, or -1 before the first. */
    long currentRevision();

    ResponseHeader header();

    boolean covers(KeyRange range);

    CompletableFuture<?> awaitRevision(long revision);

    /** Asks etcd to confirm the mirror's progress (revisions outside the mirrored ranges). */
    void requestProgress();
  }

  /** What the hub needs of etcd. */
  interface Upstream {
    /** etcd's revision, from a count-only read at {@code revision} (0 = latest); fails as etcd does. */
    CompletableFuture<Long> probe(long revision);

    Watch.Watcher watch(ByteSequence key, WatchOption option, Watch.Listener listener);
  }

  private final Source source;
  private final Upstream upstream;
  private final EventHistory history;
  private final ExecutorService delivery;
  private final ScheduledExecutorService timer;
  private final int queueLimit;
  private final Duration registrationTimeout;
  private final Set<HubWatcher> watchers = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder overflows = new LongAdder();
  private final LongAdder upstreamWatches = new LongAdder();
  private final LongAdder compactionCancels = new LongAdder();
  private final LongAdder listenerFailures = new LongAdder();
  private final Runnable onClose;
  private final StatsRecorder stats;
  private final List<Runnable> closeHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicLong progressAskedFor = new AtomicLong();
  // apply thread only
  private final WatcherIndex index = new WatcherIndex();
  private final Set<HubWatcher> progressWatchers = ConcurrentHashMap.newKeySet();
  private final List<WatcherIndex.Group> touched = new ArrayList<>();

  /**
   * A hub over {@code mirror}, registered as its listener. {@code kv} and {@code watch} are the
   * wrapped client's, used for revision checks and for watchers the mirror cannot serve.
   *
   * @param historyEvents at most this many events are kept for replay
   * @param historyAge no event older than this is kept for replay
   * @param progressNotifyInterval how often idle progressNotify watchers get a progress response
   * @param ticker the time source
   * @param stats where watch requests, upstream traffic and slow watchers are recorded
   */
  public WatchHub(Mirror mirror, KV kv, Watch watch, int historyEvents, Duration historyAge,
      Duration progressNotifyInterval, Ticker ticker, StatsRecorder stats) {
    this(new MirrorSource(mirror),
        new EtcdUpstream(new RevisionProbe(kv, mirror, ticker, stats, StatsRecorder.Rpc.WATCH_PROBE), watch),
        new EventHistory(historyEvents, historyAge.toNanos(), ticker), deliveryPool(), timer(),
        1024, progressNotifyInterval, Duration.ofSeconds(10), () -> {}, stats);
    Runnable remove = () -> mirror.removeListener(this);
    mirror.addListener(this);
    closeHooks.add(remove);
  }

  WatchHub(Source source, Upstream upstream, EventHistory history, ExecutorService delivery,
      ScheduledExecutorService timer, int queueLimit, Duration progressNotifyInterval,
      Duration registrationTimeout, Runnable onClose) {
    this(source, upstream, history, delivery, timer, queueLimit, progressNotifyInterval, registrationTimeout,
        onClose, StatsRecorder.disabled());
  }

  private WatchHub(Source source, Upstream upstream, EventHistory history, ExecutorService delivery,
      ScheduledExecutorService timer, int queueLimit, Duration progressNotifyInterval,
      Duration registrationTimeout, Runnable onClose, StatsRecorder stats) {
    this.stats = stats;
    this.source = source;
    this.upstream = upstream;
    this.history = history;
    this.delivery = delivery;
    this.timer = timer;
    this.queueLimit = queueLimit;
    this.registrationTimeout = registrationTimeout;
    this.onClose = onClose;
    if (timer != null) {
      long period = progressNotifyInterval.toNanos();
      timer.scheduleAtFixedRate(() -> executeQuietly(this::progressTick), period, period, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Opens a watcher with etcd's semantics for {@code key} and {@code option}. Returns before the
   * watch is established, as jetcd does; every callback runs on the hub's delivery executor.
   *
   * @throws io.etcd.jetcd.common.exception.ClosedClientException if the hub is closed
   */
  public Watch.Watcher watch(ByteSequence key, WatchOption option, Watch.Listener listener) {
    if (closed.get()) {
      throw newClosedWatchClientException();
    }
    WatchRequest request = WatchRequest.of(key, option);
    stats.recordWatch();
    HubWatcher w = new HubWatcher(this, ids.incrementAndGet(), request, listener, delivery, queueLimit);
    watchers.add(w);
    long s = request.startRevision();
    if (request.range().isEmpty()) {
      // etcd refuses the watch and jetcd reports it, leaving the watcher open (no onCompleted).
      w.state = HubWatcher.State.INERT;
      w.failLater(newEtcdException(ErrorCode.INTERNAL, "etcd server failed to create watch id"));
      return w;
    }
    long c = source.currentRevision();
    if (s < 0 || !source.covers(request.range()) || (s > 0 && c >= 0 && s <= c && !history.covers(s))) {
      toUpstream(w, s, request.createdNotify());
      return w;
    }
    long probeAt = s > 0 && c >= 0 && s <= c ? s : 0;
    upstream.probe(probeAt)
        .thenCompose(etcdRevision -> compactedAtStart(probeAt)
            .thenCompose(dropDeletesAt -> awaitMirror(etcdRevision).thenApply(v -> dropDeletesAt)))
        .orTimeout(registrationTimeout.toNanos(), TimeUnit.NANOSECONDS)
        .whenComplete((dropDeletesAt, failure) -> executeQuietly(() -> {
          if (failure == null) {
            register(w, dropDeletesAt);
          } else if (w.state == HubWatcher.State.PENDING) {
            // etcd answers exactly: a compaction error, or whatever a direct watch would see.
            toUpstream(w, s, request.createdNotify());
          }
        }));
    return w;
  }

  /** Asks for a progress notification on every watcher of this hub. */
  public void requestProgress() {
    if (!closed.get()) {
      executeQuietly(() -> watchers.forEach(this::progressNowOnApply));
    }
  }

  /** Client watchers open now. */
  public int watchers() {
    return watchers.size();
  }

  /** Watchers served by their own upstream watch now (an approximation while watchers come and go). */
  public int upstreamStreams() {
    int open = 0;
    for (HubWatcher w : watchers) {
      if (w.state == HubWatcher.State.UPSTREAM && w.upstream != null) {
        open++;
      }
    }
    return open;
  }

  /** Watchers ever moved to, or opened on, their own upstream watch. */
  public long upstreamWatches() {
    return upstreamWatches.sum();
  }

  /** Times a watcher's queue overflowed and it had to catch up. */
  public long overflows() {
    return overflows.sum();
  }

  /** Watchers the hub itself ended with a compaction error (after a mirror re-list). */
  public long compactionCancels() {
    return compactionCancels.sum();
  }

  /** Listener callbacks that threw. */
  public long listenerFailures() {
    return listenerFailures.sum();
  }

  /** The replay history. */
  public EventHistory history() {
    return history;
  }

  /** Closes every watcher (each gets {@code onCompleted}) and stops the hub's threads. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeHooks.forEach(Runnable::run);
    onClose.run();
    new ArrayList<>(watchers).forEach(HubWatcher::close);
    if (timer != null) {
      timer.shutdownNow();
    }
    delivery.shutdown();
  }

  // ---- RevisionListener: the apply thread ----

  @Override
  public void onRevision(StoreVersion before, StoreVersion after, List<Event> events) {
    if (!history.isStarted()) {
      history.reset(before.revision());
    }
    history.append(after.revision(), events);
    if (index.size() > 0) {
      dispatch(after.revision(), events);
    }
  }

  @Override
  public void onProgress(StoreVersion version) {
    if (!history.isStarted()) {
      history.reset(version.revision());
    }
    history.advance(version.revision());
  }

  @Override
  public void onRelist(StoreVersion version, long compactRevision) {
    long previous = history.isStarted() ? history.lastRevision() : version.revision();
    long listed = version.revision();
    history.reset(listed);
    for (HubWatcher w : index.all()) {
      long next = w.state == HubWatcher.State.LIVE ? Math.max(w.startRevision, previous + 1) : w.nextRevision;
      if (next > listed) {
        w.startRevision = next;
        continue;
      }
      unindex(w);
      if (compactRevision > 0 && next < compactRevision) {
        cancelCompacted(w, compactRevision);
      } else {
        toUpstream(w, next, false);
      }
    }
  }

  // ---- apply thread machinery ----

  private void dispatch(long revision, List<Event> events) {
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
        if (w.state != HubWatcher.State.LIVE || revision < w.startRevision) {
          continue;
        }
        WatchResponse response = variant(g, w.request().variant(), revision);
        if (response == null) {
          continue;
        }
        if (w.offer(response)) {
          w.sentSinceProgressTick = true;
        } else {
          w.state = HubWatcher.State.LAGGING;
          w.nextRevision = revision;
          overflows.increment();
          stats.recordWatcherCatchUp();
          w.resumeWhenDrained();
        }
      }
      g.clearScratch();
    }
    touched.clear();
  }

  private WatchResponse variant(WatcherIndex.Group g, int shape, long revision) {
    if (!g.built[shape]) {
      List<Event> shaped = new ArrayList<>(g.pending.size());
      for (Event e : g.pending) {
        Event s = shape(e, shape);
        if (s != null) {
          shaped.add(s);
        }
      }
      g.variants[shape] = shaped.isEmpty() ? null : response(revision, shaped, false);
      g.built[shape] = true;
    }
    return g.variants[shape];
  }

  private void register(HubWatcher w, long dropDeletesAt) {
    if (w.state != HubWatcher.State.PENDING) {
      return;
    }
    WatchRequest request = w.request();
    long s = request.startRevision();
    long c = source.currentRevision();
    if (!history.isStarted()) {
      history.reset(c);
    }
    boolean past = s > 0 && s <= c;
    if (past && !history.covers(s)) {
      toUpstream(w, s, request.createdNotify());
      return;
    }
    if (request.createdNotify()) {
      w.force(response(c, List.of(), true));
    }
    if (past) {
      replay(w, s, c, dropDeletesAt);
    }
    w.startRevision = past || s <= 0 ? c + 1 : s;
    w.state = HubWatcher.State.LIVE;
    index.add(w);
    if (request.progressNotify()) {
      progressWatchers.add(w);
    }
  }

  /** Called from a delivery thread when a lagging watcher's queue is empty. */
  void resume(HubWatcher w) {
    executeQuietly(() -> {
      if (w.state != HubWatcher.State.LAGGING) {
        return;
      }
      long c = source.currentRevision();
      if (history.covers(w.nextRevision)) {
        replay(w, w.nextRevision, c, 0);
        w.startRevision = c + 1;
        w.state = HubWatcher.State.LIVE;
      } else {
        unindex(w);
        toUpstream(w, w.nextRevision, false);
      }
    });
  }

  private void replay(HubWatcher w, long from, long current, long dropDeletesAt) {
    KeyRange range = w.request().range();
    int shape = w.request().variant();
    List<Event> batch = new ArrayList<>();
    int revisions = 0;
    for (EventHistory.Entry entry : history.since(from)) {
      boolean any = false;
      for (Event e : entry.events()) {
        if (entry.revision() == dropDeletesAt && e.getType() == Event.EventType.DELETE) {
          continue;
        }
        if (!range.contains(e.getKv().getKey().toByteArray())) {
          continue;
        }
        Event s = shape(e, shape);
        if (s != null && entry.revision() == dropDeletesAt && s.hasPrevKv()) {
          // etcd reads prevKV at mod revision - 1, which is gone when the start is the compact revision.
          s = s.toBuilder().clearPrevKv().build();
        }
        if (s != null) {
          batch.add(s);
          any = true;
        }
      }
      if (any && ++revisions == REPLAY_REVISIONS) {
        w.force(response(current, batch, false));
        batch = new ArrayList<>();
        revisions = 0;
      }
    }
    if (!batch.isEmpty()) {
      w.force(response(current, batch, false));
    }
    w.sentSinceProgressTick = true;
  }

  private void progressTick() {
    history.expire();
    long c = source.currentRevision();
    for (HubWatcher w : progressWatchers) {
      if (w.state == HubWatcher.State.LIVE && !w.sentSinceProgressTick) {
        w.force(response(c, List.of(), false));
      }
      w.sentSinceProgressTick = false;
    }
  }

  /** For tests: runs one progress tick on the apply thread. */
  void progressTickForTest() {
    executeQuietly(this::progressTick);
  }

  void requestProgress(HubWatcher w) {
    executeQuietly(() -> progressNowOnApply(w));
  }

  private void progressNowOnApply(HubWatcher w) {
    if (w.state == HubWatcher.State.LIVE) {
      w.force(response(source.currentRevision(), List.of(), false));
    } else if (w.state == HubWatcher.State.UPSTREAM) {
      Watch.Watcher u = w.upstream;
      if (u != null) {
        u.requestProgress();
      }
    }
  }

  void onClientClose(HubWatcher w) {
    watchers.remove(w);
    Watch.Watcher u = w.upstream;
    if (u != null) {
      u.close();
    }
    executeQuietly(() -> {
      unindex(w);
      w.state = HubWatcher.State.ENDED;
    });
  }

  void countListenerFailure() {
    listenerFailures.increment();
    stats.recordListenerFailure();
  }

  private void cancelCompacted(HubWatcher w, long compactRevision) {
    w.state = HubWatcher.State.ENDED;
    watchers.remove(w);
    compactionCancels.increment();
    stats.recordWatcherCancellation();
    w.failLater(newCompactedException(compactRevision));
    w.completeLater();
  }

  private void unindex(HubWatcher w) {
    if (w.state == HubWatcher.State.LIVE || w.state == HubWatcher.State.LAGGING) {
      index.remove(w);
    }
    progressWatchers.remove(w);
  }

  /** Gives {@code w} its own upstream watch from {@code from}; etcd's responses pass through. */
  private void toUpstream(HubWatcher w, long from, boolean createdNotify) {
    if (w.isClosedByClient()) {
      w.state = HubWatcher.State.ENDED;
      return;
    }
    w.state = HubWatcher.State.UPSTREAM;
    upstreamWatches.increment();
    stats.recordRpc(StatsRecorder.Rpc.WATCH_STREAM);
    WatchOption o = w.request().option();
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
    Watch.Watcher u = upstream.watch(w.request().key(), b.build(), new Watch.Listener() {
      @Override
      public void onNext(WatchResponse response) {
        w.force(response);
      }

      @Override
      public void onError(Throwable throwable) {
        w.failLater(throwable);
      }

      @Override
      public void onCompleted() {
        watchers.remove(w);
        w.completeLater();
      }
    });
    w.upstream = u;
    if (w.isClosedByClient()) {
      u.close();
    }
  }

  private CompletableFuture<?> awaitMirror(long etcdRevision) {
    // A revision outside the mirrored ranges reaches the mirror only through a progress
    // notification; ask for one, once per revision however many watchers wait for it.
    if (source.currentRevision() < etcdRevision
        && progressAskedFor.getAndAccumulate(etcdRevision, Math::max) < etcdRevision) {
      source.requestProgress();
    }
    return source.awaitRevision(etcdRevision);
  }

  private CompletableFuture<Long> compactedAtStart(long start) {
    EventHistory.Entry entry = start > 1 ? history.at(start) : null;
    // Only a DELETE or a prevKV at the start revision depends on whether it is the compact revision.
    if (entry == null || entry.events().stream().noneMatch(e -> e.getType() == Event.EventType.DELETE || e.hasPrevKv())) {
      return CompletableFuture.completedFuture(0L);
    }
    return upstream.probe(start - 1).handle((r, failure) -> {
      if (failure == null) {
        return 0L;
      }
      if (isCompacted(failure)) {
        return start;
      }
      throw new java.util.concurrent.CompletionException(failure);
    });
  }

  private WatchResponse response(long revision, List<Event> events, boolean created) {
    ResponseHeader header = source.header().toBuilder().setRevision(revision).build();
    io.etcd.jetcd.api.WatchResponse proto = io.etcd.jetcd.api.WatchResponse.newBuilder()
        .setHeader(header)
        .setCreated(created)
        .addAllEvents(events)
        .build();
    return new WireWatchResponse(proto);
  }

  private void executeQuietly(Runnable task) {
    try {
      source.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.debug("the mirror is closed; dropping a watch task");
    }
  }

  /** The event as a watcher of that shape sees it, or null if its filters drop it. */
  private static Event shape(Event e, int shape) {
    if (e.getType() == Event.EventType.PUT ? (shape & WatchRequest.NO_PUT) != 0 : (shape & WatchRequest.NO_DELETE) != 0) {
      return null;
    }
    if ((shape & WatchRequest.PREV_KV) == 0 && e.hasPrevKv()) {
      return e.toBuilder().clearPrevKv().build();
    }
    return e;
  }

  static boolean isCompacted(Throwable failure) {
    Throwable t = failure;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    Status status = Status.fromThrowable(t);
    return status.getCode() == Status.Code.OUT_OF_RANGE && status.getDescription() != null
        && status.getDescription().contains("compacted");
  }

  private static ExecutorService deliveryPool() {
    int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    AtomicLong n = new AtomicLong();
    return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "etcd-cache-watch-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  private static ScheduledExecutorService timer() {
    return java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "etcd-cache-watch-progress");
      t.setDaemon(true);
      return t;
    });
  }

  /** The mirror as a {@link Source}. */
  private static final class MirrorSource implements Source {
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
  }

  /** etcd through the wrapped client: shared count-only probes and direct watches. */
  private static final class EtcdUpstream implements Upstream {
    private final RevisionProbe probe;
    private final Watch watch;

    EtcdUpstream(RevisionProbe probe, Watch watch) {
      this.probe = probe;
      this.watch = watch;
    }

    @Override
    public CompletableFuture<Long> probe(long revision) {
      return probe.at(revision, false).thenApply(ResponseHeader::getRevision);
    }

    @Override
    public Watch.Watcher watch(ByteSequence key, WatchOption option, Watch.Listener listener) {
      return watch.watch(key, option, listener);
    }
  }
}
