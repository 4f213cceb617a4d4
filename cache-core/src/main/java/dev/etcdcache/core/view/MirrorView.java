package dev.etcdcache.core.view;

import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.newCompactedException;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.AdapterMetrics;
import dev.etcdcache.api.CacheClosedException;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.consistency.CachedReads;
import dev.etcdcache.core.mirror.AppliedRevision;
import dev.etcdcache.core.mirror.RevisionWaiters;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import dev.etcdcache.core.store.HeapCost;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link CacheView} kept by the mirror: the keys under a prefix decoded by an {@link Adapter},
 * with persistent secondary indexes, published as one {@link ViewVersion} per mirror revision.
 *
 * <h2>Threads</h2>
 * The mirror's apply thread is the only writer. The view is built there from the current store
 * version and registered as a {@link RevisionListener} in the same task, so no revision falls
 * between the build and the first event. Each revision's changes under the prefix go through a
 * {@link ViewMaintainer} (decode once, filter, update objects and indexes in one batch each) and
 * the result is published through one atomic reference at the mirror's revision; then the changes
 * go to the {@link ViewHistory} and to each {@link ViewWatcher}'s queue, and waiting reads are
 * released. Readers take the published version and never lock.
 *
 * <h2>Adding an index</h2>
 * {@link #addIndex} builds the new index tree on the executor from a pinned version, then, on the
 * apply thread, replays the history's changes since that version onto it and publishes it with the
 * current version in one step. If the history no longer reaches back (bounded, or a re-list), the
 * build starts again from a newer version.
 *
 * <h2>Watches</h2>
 * Watches are routed by index value ({@link ViewWatchers}) and each has a bounded queue; a watcher
 * that overflows it is caught up from the history once it has drained ({@link ViewWatcher}).
 * A watch registers on the apply thread: from now ({@code fromRevision == 0}), replayed from the
 * history when it still holds the start revision, or ended with etcd's compaction error
 * ({@code CompactedException}, compact revision = the oldest start the history can serve) when it
 * does not. A re-list is delivered to open watches as the synthetic difference at its revision,
 * as Kubernetes' reflector does, and restarts the history.
 *
 * <p>Internal, no compatibility promise; users get it as a {@link CacheView} from
 * {@code CachingClient.view}. Thread-safe.
 *
 * @param <T> the object type
 */
public final class MirrorView<T> implements CacheView<T>, RevisionListener {

  /** Revisions a watcher's queue holds before it lags and is caught up from the history. */

  private final String prefix;
  private final ViewSource source;
  private final int watcherQueueLimit;
  private final Executor executor;
  private final DecodeFailures failures;
  private final StatsRecorder stats;
  private final Tracing tracing;
  private final ViewMaintainer<T> maintainer;
  private final List<IndexDefinition<T>> declared;
  private final AtomicReference<ViewVersion<T>> current = new AtomicReference<>();
  private final RevisionWaiters<ViewVersion<T>> waiters;
  /** Declared indexes and those added or being added, so a name is taken once. */
  private final Set<String> indexNames = ConcurrentHashMap.newKeySet();
  private final LongAdder watcherOverflows = new LongAdder();
  private final LongAdder slowInlineCalls = new LongAdder();
  private volatile boolean closed;
  // ---- apply thread only ----
  private final ViewHistory<T> history;
  private final ViewWatchers<T> watchers = new ViewWatchers<>();
  private final List<Runnable> untilBuilt = new ArrayList<>();
  private StoreVersion synced;

  private MirrorView(ViewSource source, String prefix, Adapter<T> adapter, Executor executor, int historyChanges,
      int watcherQueueLimit, StatsRecorder stats, AdapterMetrics metrics, Tracing tracing) {
    this.tracing = tracing;
    this.prefix = prefix;
    this.watcherQueueLimit = watcherQueueLimit;
    this.source = source;
    this.executor = executor;
    this.stats = stats;
    this.failures = new DecodeFailures(prefix);
    // Unbound metrics cost nothing: the adapter is neither bound nor told of changes.
    if (metrics.enabled()) {
      adapter.bindMetrics(metrics.withTags("view", prefix));
    }
    this.maintainer = new ViewMaintainer<>(prefix.getBytes(StandardCharsets.UTF_8), adapter, failures,
        metrics.enabled());
    this.declared = List.copyOf(adapter.indexes());
    this.waiters = new RevisionWaiters<>(current::get, ViewVersion::revision, executor);
    this.history = new ViewHistory<>(historyChanges);
    for (IndexDefinition<T> d : declared) {
      if (!indexNames.add(d.name())) {
        throw new IllegalArgumentException("the adapter declares two indexes named " + d.name());
      }
    }
  }

  /**
   * A view of {@code mirror}'s keys under {@code prefix}, built on the apply thread as soon as the
   * mirror is ready. Callbacks and waiting reads complete on {@code executor}; the history holds up
   * to {@code historyChanges} key changes; a watcher queues up to {@code watcherQueueLimit}
   * revisions before it is caught up from that history; slow watchers' catch-ups and cancellations
   * go to {@code stats}.
   *
   * @throws IllegalArgumentException if the mirror does not cover the prefix, or the adapter
   *     declares two indexes with one name
   */
  public static <T> MirrorView<T> open(Mirror mirror, CachedReads reads, String prefix, Adapter<T> adapter,
      Executor executor, int historyChanges, int watcherQueueLimit, StatsRecorder stats) {
    return open(mirror, reads, prefix, adapter, executor, historyChanges, watcherQueueLimit, stats,
        AdapterMetrics.noop(), Tracing.disabled());
  }

  /**
   * As {@link #open(Mirror, CachedReads, String, Adapter, Executor, int, int, StatsRecorder)}, with
   * the adapter's meters registered in {@code metrics} (tagged {@code view=<prefix>}) when enabled, and
   * a span per decoded batch of changes through {@code tracing}.
   */
  public static <T> MirrorView<T> open(Mirror mirror, CachedReads reads, String prefix, Adapter<T> adapter,
      Executor executor, int historyChanges, int watcherQueueLimit, StatsRecorder stats, AdapterMetrics metrics,
      Tracing tracing) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(adapter, "adapter");
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    if (mirror.onDemand() != null) {
      throw new IllegalArgumentException("typed views cannot be built on on-demand prefixes (a prefix may be "
          + "dropped at any time); mirror " + prefix + " with prefixes(...) instead");
    }
    if (!mirror.covers(p.length == 0 ? KeyRange.ALL : KeyRange.prefix(p))) {
      throw new IllegalArgumentException("the cache does not mirror the prefix " + prefix);
    }
    MirrorView<T> view = new MirrorView<>(ViewSource.of(mirror, reads), prefix, adapter, executor, historyChanges,
        watcherQueueLimit, stats, metrics, tracing);
    view.source.feed().executeOnApplyThread(view::build);
    return view;
  }

  /**
   * A view built at once from {@code version} and driven by hand: the caller acts as the apply
   * thread and calls {@link #onRevision}, {@link #onProgress} and {@link #onRelist} itself; every
   * read is served from the latest version. For in-process benchmarks and tests with no etcd.
   */
  public static <T> MirrorView<T> detached(StoreVersion version, String prefix, Adapter<T> adapter,
      Executor executor, int historyChanges, int watcherQueueLimit) {
    MirrorView<T> view = new MirrorView<>(ViewSource.detached(version), prefix, adapter, executor,
        historyChanges, watcherQueueLimit, StatsRecorder.disabled(), AdapterMetrics.noop(), Tracing.disabled());
    view.build();
    return view;
  }

  @Override
  public String prefix() {
    return prefix;
  }

  @Override
  public CompletableFuture<CacheSnapshot<T>> snapshot() {
    return snapshot(ReadConsistency.LINEARIZABLE);
  }

  /**
   * {@inheritDoc} Fails with {@link CacheClosedException} once the view or the client is closed,
   * and with {@link java.util.concurrent.TimeoutException} when the mirror does not reach the
   * needed revision within the client's consistent-read timeout (a view cannot fall back to etcd).
   */
  @Override
  public CompletableFuture<CacheSnapshot<T>> snapshot(ReadConsistency consistency) {
    Objects.requireNonNull(consistency, "consistency");
    if (closed) {
      return CompletableFuture.failedFuture(new CacheClosedException("the view is closed"));
    }
    return source.revisionFor().apply(consistency)
        .thenComposeAsync(waiters::await, executor)
        .thenApply(v -> v);
  }

  /** {@inheritDoc} Before the view is first built, an empty snapshot at revision 0. */
  @Override
  public CacheSnapshot<T> latest() {
    ViewVersion<T> v = current.get();
    return v != null ? v : ViewVersion.empty(0, declared);
  }

  @Override
  public CompletableFuture<Void> addIndex(IndexDefinition<T> index) {
    Objects.requireNonNull(index, "index");
    if (closed) {
      return CompletableFuture.failedFuture(new CacheClosedException("the view is closed"));
    }
    if (!indexNames.add(index.name())) {
      throw new IllegalArgumentException("the view already has an index named " + index.name());
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    buildIndex(index, done);
    return done;
  }

  /**
   * {@inheritDoc} Events reach {@code listener} on the view's executor, one at a time, in revision
   * order, or, for a listener that {@link CacheEventListener#runsInline() runs inline}, on the
   * mirror's apply thread right after the view published the revision; closing the view ends the
   * watch with {@link CacheClosedException}.
   *
   * @throws IllegalArgumentException if {@code fromRevision} is negative or the query names an
   *     index the view does not have
   * @throws CacheClosedException if the view is closed
   */
  @Override
  public AutoCloseable watch(long fromRevision, Query<T> query, CacheEventListener<T> listener) {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(listener, "listener");
    if (fromRevision < 0) {
      throw new IllegalArgumentException("negative fromRevision " + fromRevision);
    }
    checkIndexes(query);
    if (closed) {
      throw new CacheClosedException("the view is closed");
    }
    ViewWatcher<T>[] self = newArray();
    ViewWatcher<T> w = new ViewWatcher<>(query, listener, listener.runsInline() ? null : executor, watcherQueueLimit,
        lagging -> onApplyThread(() -> catchUp(lagging)), () -> onApplyThread(() -> watchers.remove(self[0])),
        nanos -> {
          slowInlineCalls.increment();
          stats.recordSlowInlineListener(nanos);
        });
    self[0] = w;
    // "From now" means after the version visible at this call, not after the registration task runs:
    // revisions applied in between are replayed from the history.
    ViewVersion<T> visible = current.get();
    long from = fromRevision == 0 && visible != null ? visible.revision() + 1 : fromRevision;
    onApplyThread(() -> register(w, from));
    return w;
  }

  /**
   * The view's structure beyond the store, in estimated bytes: its tree and one index posting per
   * object and index ({@link HeapCost}); the decoded objects themselves are the application's and
   * are not counted.
   */
  public long estimatedBytes() {
    ViewVersion<T> v = current.get();
    if (v == null) {
      return 0;
    }
    return v.objects().size() * (HeapCost.VIEW_ENTRY + v.indexes().size() * HeapCost.POSTING);
  }

  @Override
  public long decodeFailures() {
    return failures.count();
  }

  /** Callbacks of inline watch listeners that took longer than {@code InlineBudget.SLOW_NANOS}. */
  public long slowInlineCalls() {
    return slowInlineCalls.sum();
  }

  /** Times a watcher's queue overflowed and it had to be caught up from the history. */
  public long watcherOverflows() {
    return watcherOverflows.sum();
  }

  /** The last decode failure as a message (key, revision, cause), or null if none. */
  public String lastDecodeFailure() {
    return failures.last();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CacheClosedException cause = new CacheClosedException("the view is closed");
    waiters.failAll(cause);
    onApplyThread(() -> {
      source.feed().removeListener(this);
      watchers.all().forEach(w -> w.fail(cause));
      watchers.clear();
      untilBuilt.clear();
    });
  }

  /** The view's watchers (read racily off the apply thread: an approximation is all it is for). */
  @Override
  public int fanOut() {
    return watchers.size();
  }

  // ---- RevisionListener: apply thread ----

  @Override
  public void onRevision(AppliedRevision applied) {
    ViewVersion<T> base = current.get();
    if (closed || base == null || applied.revision() <= base.revision()) {
      return;
    }
    ViewMaintainer.Result<T> r = traced(() -> maintainer.apply(base, applied.revision(), maintainer.writesOf(applied)));
    synced = applied.after();
    publish(r, true);
  }

  @Override
  public void onProgress(StoreVersion version) {
    ViewVersion<T> base = current.get();
    if (closed || base == null || version.revision() <= base.revision()) {
      return;
    }
    synced = version;
    publish(new ViewMaintainer.Result<>(base.advancedTo(version.revision()), List.of()), true);
  }

  @Override
  public void onRelist(StoreVersion version, long compactRevision) {
    ViewVersion<T> base = current.get();
    if (closed || base == null || version.revision() < base.revision()) {
      return;
    }
    ViewMaintainer.Result<T> r = traced(() -> maintainer.apply(base, version.revision(), maintainer.diff(base, synced, version)));
    synced = version;
    history.reset(version.revision());
    publish(r, false);
  }

  // ---- apply thread machinery ----

  private void build() {
    if (closed) {
      return;
    }
    StoreVersion store = source.feed().current();
    if (store == null) {
      source.feed().ready().thenRun(() -> onApplyThread(this::build));
      return;
    }
    ViewMaintainer.Result<T> r = traced(() -> maintainer.build(store, declared));
    synced = store;
    history.reset(store.revision());
    current.set(r.version());
    source.feed().addListener(this);
    waiters.release(r.version());
    List<Runnable> pending = List.copyOf(untilBuilt);
    untilBuilt.clear();
    pending.forEach(Runnable::run);
  }

  /** Runs one decode batch inside a {@link Tracing#VIEW_DECODE} span (nothing when tracing is off). */
  private ViewMaintainer.Result<T> traced(java.util.function.Supplier<ViewMaintainer.Result<T>> batch) {
    if (!tracing.enabled()) {
      return batch.get();
    }
    Span span = tracing.start(Tracing.VIEW_DECODE);
    span.setAttribute(Tracing.VIEW, prefix);
    try {
      ViewMaintainer.Result<T> r = batch.get();
      span.setAttribute(Tracing.KEYS, (long) r.changes().size());
      span.setAttribute(Tracing.REVISION, r.version().revision());
      span.end();
      return r;
    } catch (RuntimeException | Error e) {
      Tracing.end(span, e);
      throw e;
    }
  }

  private void publish(ViewMaintainer.Result<T> r, boolean keep) {
    current.set(r.version());
    if (!r.changes().isEmpty()) {
      RevisionChanges<T> changes = new RevisionChanges<>(r.version().revision(), r.changes());
      if (keep) {
        history.append(changes);
      }
      watchers.forEachConcerned(changes, w -> {
        if (!w.offer(changes)) {
          watcherOverflows.increment();
          stats.recordWatcherCatchUp();
        }
      });
    }
    waiters.release(r.version());
  }

  private void register(ViewWatcher<T> w, long fromRevision) {
    if (w.isEnded() || closed) {
      return;
    }
    ViewVersion<T> now = current.get();
    if (now == null) {
      untilBuilt.add(() -> register(w, fromRevision));
      return;
    }
    if (fromRevision == 0 || fromRevision > now.revision()) {
      w.startAt(fromRevision == 0 ? now.revision() + 1 : fromRevision);
    } else if (!history.holdsFrom(fromRevision)) {
      w.fail(newCompactedException(history.startRevision() + 1));
      return;
    } else {
      w.startAt(fromRevision);
      history.since(fromRevision).forEach(w::replay);
    }
    watchers.add(w);
  }

  /** A lagging watcher drained its queue: replay what it missed, or end it if the history lost it. */
  private void catchUp(ViewWatcher<T> w) {
    if (!w.isLagging() || w.isEnded()) {
      return;
    }
    if (history.holdsFrom(w.missedFrom())) {
      w.catchUp(history.since(w.missedFrom()));
    } else {
      stats.recordWatcherCancellation();
      w.fail(newCompactedException(history.startRevision() + 1));
    }
  }

  private void buildIndex(IndexDefinition<T> index, CompletableFuture<Void> done) {
    waiters.await(0).thenAcceptAsync(pinned -> {
      ViewIndex<T> built = maintainer.buildIndex(index, pinned);
      onApplyThread(() -> publishIndex(index, pinned.revision(), built, done));
    }, executor).exceptionally(failure -> {
      indexNames.remove(index.name());
      done.completeExceptionally(failure);
      return null;
    });
  }

  private void publishIndex(IndexDefinition<T> index, long builtAt, ViewIndex<T> built,
      CompletableFuture<Void> done) {
    if (closed) {
      done.completeExceptionally(new CacheClosedException("the view is closed"));
      return;
    }
    ViewVersion<T> now = current.get();
    if (now.revision() > builtAt && !history.holdsFrom(builtAt + 1)) {
      buildIndex(index, done);
      return;
    }
    if (now.revision() > builtAt) {
      for (RevisionChanges<T> c : history.since(builtAt + 1)) {
        built = maintainer.catchUp(built, c);
      }
    }
    var indexes = new java.util.LinkedHashMap<>(now.indexes());
    indexes.put(index.name(), built);
    current.set(new ViewVersion<>(now.revision(), now.objects(), indexes));
    executor.execute(() -> done.complete(null));
  }

  private void checkIndexes(Query<T> q) {
    if (q instanceof Query.Eq<T> eq && !indexNames.contains(eq.index().name())) {
      throw new IllegalArgumentException("the view has no index named " + eq.index().name());
    } else if (q instanceof Query.And<T> and) {
      checkIndexes(and.left());
      checkIndexes(and.right());
    } else if (q instanceof Query.Or<T> or) {
      checkIndexes(or.left());
      checkIndexes(or.right());
    }
  }

  /** Runs on the apply thread; inline once the mirror has shut its apply thread down. */
  private void onApplyThread(Runnable task) {
    try {
      source.feed().executeOnApplyThread(task);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        task.run();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> ViewWatcher<T>[] newArray() {
    return (ViewWatcher<T>[]) new ViewWatcher<?>[1];
  }
}
