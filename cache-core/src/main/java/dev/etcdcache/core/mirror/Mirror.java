package dev.etcdcache.core.mirror;

import dev.etcdcache.api.CacheClosedException;
import dev.etcdcache.api.CacheStats;
import dev.etcdcache.api.CacheStatus;
import dev.etcdcache.api.Ticker;
import dev.etcdcache.btree.Batch;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.EntryForms;
import dev.etcdcache.core.store.HeapCost;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.store.StoredValue;
import dev.etcdcache.core.trace.Tracing;
import dev.etcdcache.core.wire.EtcdFailures;
import dev.etcdcache.core.wire.WireForm;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.opentelemetry.api.trace.Span;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory mirror of etcd key ranges, exact at the revision it reports.
 *
 * <h2>Data path</h2>
 * A {@link Bootstrap} reads the ranges at one revision R; a {@link WatchLoop} then watches the span
 * of the ranges from R + 1. Each revision's events are applied as one batch to a transient B+tree
 * and published as an immutable {@link StoreVersion} through one atomic reference; recent versions
 * stay in a {@link VersionWindow} for reads at a revision.
 *
 * <h2>Threads</h2>
 * One apply thread owns all mutable state: it is the only writer of the current version, the
 * window and the upstream watch. Readers take {@link #current()} or wait with
 * {@link #awaitRevision(long)}, whose futures complete on the callback executor, never on the
 * apply thread or on jetcd's event loop.
 *
 * <h2>Distrusting the upstream stream</h2>
 * Events at or below the applied revision are dropped. A progress notification is not trusted when
 * it arrives: etcd before 3.4.31 / 3.5.13 can send one before the events it covers (etcd #15220,
 * #17507). Its revision is applied only when the next progress notification, requested after it
 * arrived, comes back: events it covered have been delivered by then. Nor does a notification show
 * the mirror current: only linearizable answers do (see {@link Freshness}), so while the stream is
 * idle and bounded-staleness reads want it, the mirror sends a count-only linearizable Range with
 * its progress request.
 *
 * <h2>Memory limits</h2>
 * A list stops as soon as it would hold more than {@link MirrorSettings#maxEntries()} keys or
 * {@link MirrorSettings#storeBudget()} estimated bytes, and anyone may {@link #degrade} the mirror
 * (the cache's memory budget does when store, versions, history and views together pass it). A
 * degraded mirror stops serving from memory, closes its upstream watch, releases its store and
 * versions and tells its listeners (who send their clients to etcd); every
 * {@link MirrorSettings#memoryRetry()} it asks etcd for a count of its ranges and lists again once
 * that count fits, serving again when the list is installed. Readers take a version and then check
 * {@link #isServing()}, and the release writes the degraded flag before it swaps the version, so no
 * reader answers from the released store.
 *
 * <h2>On-demand prefixes</h2>
 * Built with a {@link PrefixPattern}, the mirror starts empty (its first list only learns a
 * revision) and watches the pattern's ranges from there; a prefix is listed when a reader asks
 * ({@link #requestPrefix}), pinned at the applied revision, its later events buffered until the list
 * is in and applied on top, and the result published at the applied revision. Events of prefixes
 * neither mirrored nor listing are dropped. {@link #dropLeastRecentlyRead} gives one back under
 * memory pressure; a re-list or degradation forgets them all. {@link PrefixLister} lists, installs
 * and drops them; {@link PrefixTable} holds their state and says why a reader can trust a version
 * for a prefix.
 *
 * <p>Internal, no compatibility promise.
 */
public final class Mirror implements MirrorFeed, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Mirror.class);

  private final KV kv;
  private final MirrorSettings settings;
  private final KeyRange watchRange;
  private final boolean filterRanges;
  /** The on-demand prefixes' state, or null when every mirrored range is listed at start. */
  private final PrefixTable onDemand;
  private final Ticker ticker;
  private final ApplyLane applier;
  private final PublishedVersions versions;
  /** Built messages of recently read entries; forgotten as writes replace them. */
  private final EntryForms forms = new EntryForms();
  private final CompletableFuture<StoreVersion> ready = new CompletableFuture<>();
  private final WatchLoop loop;
  private final List<RevisionListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong relists = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final Freshness freshness;
  private final ProgressCadence cadence = new ProgressCadence();
  private final StatsRecorder stats;
  private final Tracing tracing;
  /** While the upstream watch is down: its reconnect span (a no-op one untraced); null when up. Apply thread only. */
  private Span reconnecting;
  /** When the upstream watch was last lost; apply thread only. */
  private long disconnectedAt;
  private volatile boolean connected;
  private volatile String lastError;
  private volatile boolean closed;
  /** The failure that stopped the mirror from applying, until a re-list recovers; null while healthy. */
  private volatile Throwable applyFailure;
  /**
   * Without bounded-staleness readers, an idle mirror still confirms itself current once per this
   * many progress intervals (20 s at the default 2 s): one count-only Range, seldom enough that a
   * burst of serializable reads practically never meets one, often enough for the staleness gauge.
   */
  private static final int KEEP_CONFIRMED_INTERVALS = 10;
  private final Executor callbacks;
  private volatile Thread applyThread;
  private final ProgressCheck progressCheck;
  private boolean checkingProgress;
  /** Apply thread only: the idle freshness probe is in flight (one at a time; a hung one holds no more). */
  private boolean probingFreshness;
  private boolean relisting;
  /** Apply thread only: the next delay after a failed list, doubled per failure, reset on success. */
  private long listBackoffMillis;
  /** Apply thread only: the last list failure logged, so a repeated one (say permission denied) logs once. */
  private String loggedListFailure;
  /** Why the mirror degraded under its memory limits; null while it serves (or may serve) from memory. */
  private volatile String degraded;
  private final AtomicLong degradations = new AtomicLong();
  /** Apply thread only: estimated store bytes per key when the mirror degraded, to judge whether a count fits. */
  private long bytesPerEntry;
  /** Lists and drops the on-demand prefixes; null with {@link #onDemand}. */
  private final PrefixLister lister;

  /**
   * A mirror over {@code kv} and {@code watch} (those of one jetcd client, namespace included),
   * applying on {@code applier}: a single-threaded executor the caller owns and shuts down after
   * {@link #close()}. Nothing happens until {@link #start()}.
   */
  public Mirror(KV kv, Watch watch, MirrorSettings settings, ScheduledExecutorService applier, Executor callbacks,
      Ticker ticker, StatsRecorder stats) {
    this(kv, watch, settings, applier, callbacks, ticker, stats, Tracing.disabled());
  }

  /** As the constructor above, with bootstrap, re-list and reconnect spans through {@code tracing}. */
  public Mirror(KV kv, Watch watch, MirrorSettings settings, ScheduledExecutorService applier, Executor callbacks,
      Ticker ticker, StatsRecorder stats, Tracing tracing) {
    this(kv, watch, settings, applier, callbacks, ticker, stats, tracing, null);
  }

  /**
   * As the constructor above; with {@code onDemand} set, the ranges are watched from the start but
   * each prefix of the pattern is listed only when first read ({@link #requestPrefix}), and only
   * events of prefixes listed (or being listed) are kept.
   */
  public Mirror(KV kv, Watch watch, MirrorSettings settings, ScheduledExecutorService applier, Executor callbacks,
      Ticker ticker, StatsRecorder stats, Tracing tracing, PrefixPattern onDemand) {
    this.onDemand = onDemand == null ? null : new PrefixTable(onDemand);
    this.tracing = tracing;
    this.kv = kv;
    this.stats = stats;
    this.settings = settings;
    this.watchRange = settings.watchRange();
    this.filterRanges = settings.ranges().size() > 1;
    this.ticker = ticker;
    this.freshness = new Freshness(ticker);
    this.callbacks = callbacks;
    this.applier = new ApplyLane(applier);
    this.versions = new PublishedVersions(
        new VersionWindow(settings.versionsKept(), settings.versionsAge().toNanos(), settings.versionsBytes()), freshness, callbacks);
    this.progressCheck = new ProgressCheck(kv, settings.ranges(), stats);
    this.loop = new WatchLoop(watch, watchRange, settings, this.applier, ticker, new LoopSink(), stats, cadence);
    // The lane, not the bare executor: the lister's tasks must hold it like every other applier task.
    this.lister = this.onDemand == null ? null : new PrefixLister(this.onDemand, kv, settings, this.applier, versions,
        forms, ticker, stats, tracing, () -> !closed && degraded == null && applyFailure == null && !relisting,
        () -> closed, installed -> listeners.forEach(l -> l.onStoreGrew(installed)));
  }

  /** Starts the bootstrap; the returned future completes when the first version is published. */
  public CompletableFuture<StoreVersion> start() {
    applier.execute(() -> {
      applyThread = Thread.currentThread();
      list("initial");
    });
    return ready;
  }

  /**
   * Registers a listener told of every later revision, on the apply thread. Register before
   * {@link #start()} to see every revision from the first snapshot on.
   */
  @Override
  public void addListener(RevisionListener listener) {
    listeners.add(listener);
  }

  /** How many watchers the listeners may hand one revision to, summed (any thread, approximate). */
  int fanOut() {
    int sum = 0;
    for (RevisionListener listener : listeners) {
      sum += listener.fanOut();
    }
    return sum;
  }

  /** Removes a listener added with {@link #addListener}. */
  @Override
  public void removeListener(RevisionListener listener) {
    listeners.remove(listener);
  }

  /** Runs {@code task} on the apply thread, after every revision applied so far. */
  @Override
  public void executeOnApplyThread(Runnable task) {
    applier.execute(task);
  }

  /** Completes when the first version is published; fails if the mirror is closed first. */
  @Override
  public CompletableFuture<StoreVersion> ready() {
    return ready;
  }

  /**
   * Whether reads may be served from memory: the first version is published, the mirror is not
   * closed, and no apply failure is waiting for a re-list to recover from it.
   */
  public boolean isServing() {
    return degraded == null && versions.current() != null && applyFailure == null && !closed;
  }

  @Override
  public boolean isDegraded() {
    return degraded != null;
  }

  /** Why the mirror degraded under its memory limits, while it is degraded. */
  public Optional<String> degradedReason() {
    return Optional.ofNullable(degraded);
  }

  /** How many times the mirror degraded under its memory limits. */
  public long degradations() {
    return degradations.get();
  }

  /**
   * Stops serving from memory to stay within the memory limits, for {@code reason} (see the class
   * comment); nothing happens if the mirror is already degraded or closed. Any thread.
   */
  public void degrade(String reason) {
    applier.execute(() -> degradeOnApply(reason));
  }

  /** The latest published version, or {@code null} before the first. */
  @Override
  public StoreVersion current() {
    return versions.current();
  }

  /** A version exact at {@code revision}, if one is still held. */
  public Optional<StoreVersion> versionAt(long revision) {
    Optional<StoreVersion> held = versions.at(revision);
    // Taken before the check, as every reader does: a released store is never handed out.
    return degraded == null ? held : Optional.empty();
  }

  /** A future of the first version at or past {@code revision}, completed off the apply thread. */
  @Override
  public CompletableFuture<StoreVersion> awaitRevision(long revision) {
    if (closed) {
      return CompletableFuture.failedFuture(new CacheClosedException("the cache is closed"));
    }
    return versions.await(revision);
  }

  /**
   * A key inside the mirrored ranges, for requests the cache sends on its own behalf (revision
   * probes): a user allowed to read exactly the mirrored ranges may read it.
   */
  public ByteSequence probeKey() {
    return ByteSequence.from(settings.ranges().get(0).key());
  }

  /**
   * etcd refused one of the cache's own requests (a probe, a progress check, the watch, a list) for
   * want of permission: the credentials may no longer read the mirrored ranges, so reads stop being
   * served from memory at once (they go to etcd and get its error) and the mirror lists again with
   * backoff, serving again once the list succeeds. Any thread; a failure of another kind is ignored.
   */
  public void onPermissionDenied(Throwable failure) {
    if (!EtcdFailures.hasCode(failure, io.grpc.Status.Code.PERMISSION_DENIED) || closed) {
      return;
    }
    applier.execute(() -> {
      // Before the first version the list's own retry loop is already running.
      if (closed || versions.current() == null) {
        return;
      }
      String error = EtcdFailures.unwrap(failure).toString();
      lastError = error;
      if (applyFailure == null) {
        applyFailure = failure;
        LOG.warn("etcd denied the cache's own request ({}); serving reads from etcd until a list succeeds", error);
      }
      relist();
    });
  }

  /**
   * Whether {@code range} lies entirely inside the mirrored ranges. Never with on-demand prefixes:
   * their watchers keep their own upstream watch and views are not built on them (a prefix may be
   * dropped at any time); reads ask {@link #onDemand()} instead.
   */
  @Override
  public boolean covers(KeyRange range) {
    if (onDemand != null) {
      return false;
    }
    for (KeyRange r : settings.ranges()) {
      if (r.encloses(range)) {
        return true;
      }
    }
    return false;
  }

  /** The on-demand prefixes' state, or null when the mirror lists its ranges at start. */
  public PrefixTable onDemand() {
    return onDemand;
  }

  /**
   * A read found on-demand {@code prefix} not mirrored: starts its bootstrap unless one is under
   * way (concurrent first readers share it). The prefix is listed at the mirror's applied revision
   * and its events after that revision, buffered meanwhile, are applied on top; the version holding
   * it is published at the applied revision. Any thread.
   */
  public void requestPrefix(byte[] prefix) {
    if (lister != null) {
      lister.request(prefix);
    }
  }

  /**
   * Drops the least recently read on-demand prefix (memory pressure): later reads of it go to etcd
   * until a read lists it again. Apply thread only; false when none is mirrored.
   */
  public boolean dropLeastRecentlyRead() {
    return lister != null && lister.dropLeastRecentlyRead();
  }

  /** Asks etcd, through the upstream watch, to confirm how far the mirror is. */
  @Override
  public void requestProgress() {
    applier.execute(loop::requestProgress);
  }

  @Override
  public Optional<java.time.Duration> upstreamProgressInterval() {
    return cadence.interval();
  }

  /** The header fields (cluster, member, raft term) of etcd's latest answer, revision 0. */
  @Override
  public ResponseHeader header() {
    return freshness.header();
  }

  @Override
  public ResponseHeader headerAt(long revision) {
    return freshness.headerAt(revision);
  }

  /** What is known of etcd's revision and when the mirror was last confirmed current. */
  public Freshness freshness() {
    return freshness;
  }

  /** The oldest revision a read at a revision can be served at from memory, or -1. */
  public long oldestRevision() {
    return versions.oldestRevision();
  }

  /**
   * Approximate heap held by the current version: its key and value bytes plus
   * {@link CacheStats#ENTRY_OVERHEAD_BYTES} per entry. 0 before ready.
   */
  public long estimatedBytes() {
    return versions.estimatedBytes();
  }

  /** The built messages of recently read entries, for reads of the current version. */
  public EntryForms entryForms() {
    return forms;
  }

  /**
   * What the recent versions kept for reads at a revision pin beyond the current one, in estimated
   * bytes (see {@link VersionWindow}).
   */
  public long versionBytes() {
    return versions.windowBytes();
  }

  /**
   * Keeps only the current version (memory pressure): reads at older revisions then go to etcd,
   * which answers them exactly. Apply thread only (a {@link RevisionListener} may call it).
   */
  public void trimVersions() {
    versions.trimWindow();
  }

  /**
   * The versions kept for reads at a revision, oldest first (the current one among them): for
   * measuring what they retain (JOL in tests and benchmarks), not for reads.
   */
  public List<StoreVersion> heldVersions() {
    return versions.held();
  }

  /** The oldest revision whose replaced values the version window still pins, or -1. */
  public long windowOldestRevision() {
    return versions.oldestRevision();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  /** A snapshot of the mirror's health. */
  public CacheStatus status() {
    StoreVersion now = versions.current();
    long sync = freshness.lastSyncNanos();
    Instant lastProgress = sync == 0 ? null
        : Instant.now().minusNanos(Math.max(0, ticker.read() - sync));
    return new CacheStatus(now != null, now == null ? 0 : now.revision(), freshness.compactRevision(),
        lastProgress, connected, Optional.ofNullable(lastError), relists.get(), reconnects.get());
  }

  /**
   * Stops the upstream watch; waiting reads fail with {@link CacheClosedException}. Tasks still
   * posted to the apply thread find the mirror closed and do nothing; the owner of the executor
   * shuts it down.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CacheClosedException cause = new CacheClosedException("the cache is closed");
    try {
      if (Thread.currentThread() == applyThread || applier.isCurrentApplier()) {
        // Closed from a callback on the applier (say ready().thenRun(client::close), or an inline
        // listener on jetcd's thread applying a small revision): waiting for the apply thread here
        // would wait for ourselves.
        loop.close();
      } else {
        applier.submit(loop::close).get(5, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.debug("closing the upstream watch did not finish cleanly", e);
    }
    ready.completeExceptionally(cause);
    versions.failAll(cause);
  }

  /**
   * The mirror was found to differ from etcd (see {@code verify.ConsistencyChecker}): nothing it
   * holds can be trusted, so it stops serving reads from memory and applying events (reads go to
   * etcd, as after an apply failure) and re-lists every mirrored range; serving resumes once the
   * list is installed. A re-list already under way is not started twice.
   */
  public void relistDiverged(String reason) {
    applier.execute(() -> {
      if (closed) {
        return;
      }
      if (applyFailure == null) {
        applyFailure = new IllegalStateException("diverged from etcd: " + reason);
        lastError = "diverged from etcd: " + reason;
      }
      relist();
    });
  }

  /**
   * Test hook, package-private on purpose: replaces {@code key}'s stored entry in the current
   * version (no new revision, no event), as memory corruption or an apply bug would, so that
   * tests can prove the consistency check finds and heals it. Nothing in production calls it.
   */
  void corruptEntryForTest(byte[] key, byte[] packed) throws Exception {
    applier.submit(() -> {
      StoreVersion now = versions.current();
      versions.publish(new StoreVersion(now.revision(), now.tree().put(key, packed), now.publishedNanos()));
    }).get(10, TimeUnit.SECONDS);
  }

  /** Test hook like {@link #corruptEntryForTest}: forgets {@code key} in the current version. */
  void removeEntryForTest(byte[] key) throws Exception {
    applier.submit(() -> {
      StoreVersion now = versions.current();
      versions.publish(new StoreVersion(now.revision(), now.tree().remove(key), now.publishedNanos()));
    }).get(10, TimeUnit.SECONDS);
  }

  // ---- apply thread ----

  /** Lists the mirrored ranges again after a failed list. */
  private void relist() {
    list("retry");
  }

  /** Lists the mirrored ranges; {@code reason} (initial, compacted, apply_failed, retry) goes on its span and log line. */
  private void list(String reason) {
    if (closed || relisting || (degraded != null && !reason.equals(MEMORY_FITS))) {
      return; // a degraded mirror lists only once a count says its ranges fit again
    }
    relisting = true;
    boolean first = versions.current() == null;
    long started = ticker.read();
    Span span = tracing.start(Tracing.BOOTSTRAP);
    span.setAttribute(Tracing.REASON, reason);
    StoreVersion held = versions.current();
    // On demand, the list at start only learns a revision to watch from and, from a sample of a
    // few entries (kept nowhere), how large entries are, to size each prefix's first page.
    Bootstrap listing = onDemand == null
        ? new Bootstrap(kv, settings.ranges(), settings.pageBytes(), applier, stats, tracing, span)
            .limitedTo(settings.maxEntries(), settings.storeBudget()).sharing(held == null ? null : held.tree())
        : new Bootstrap(kv, onDemand.pattern().ranges(), settings.pageBytes(), applier, stats, tracing, span)
            .onePage();
    listing.run(onDemand == null ? settings.firstPageLimit() : Math.min(PrefixLister.SAMPLE_KEYS, settings.firstPageLimit()))
        .whenCompleteAsync((snapshot, failure) -> {
          relisting = false;
          if (snapshot != null) {
            span.setAttribute(Tracing.REVISION, snapshot.revision());
          }
          Tracing.end(span, failure);
          if (closed) {
            return;
          }
          if (failure != null && EtcdFailures.unwrap(failure) instanceof MemoryLimitExceeded over) {
            if (over.bytesPerEntry() > 0) {
              bytesPerEntry = over.bytesPerEntry(); // what the next count is judged by
            }
            if (degraded == null) {
              degradeOnApply(over.getMessage());
            } else {
              scheduleFitCheck();
            }
            return;
          }
          if (failure != null) {
            // etcd's own error (say PERMISSION_DENIED for credentials that cannot read the ranges)
            // is what status() reports.
            String error = EtcdFailures.unwrap(failure).toString();
            lastError = error;
            if (EtcdFailures.hasCode(failure, io.grpc.Status.Code.PERMISSION_DENIED) && applyFailure == null
                && versions.current() != null) {
              applyFailure = failure; // a mirror that can no longer list its ranges stops serving them
            }
            // A compaction during the list only means the pinned revision went away: list again
            // at once, at a new revision. Anything else waits for a doubling backoff, and the same
            // failure is logged once, not once per retry.
            boolean compacted = EtcdFailures.isCompacted(failure);
            listBackoffMillis = compacted ? 0 : Math.min(settings.backoffMax().toMillis(),
                Math.max(settings.backoffMin().toMillis(), 2 * listBackoffMillis));
            if (!error.equals(loggedListFailure)) {
              loggedListFailure = error;
              LOG.warn("listing the mirrored ranges failed ({}); retrying{}", error,
                  compacted ? " at a new revision" : " with backoff until it succeeds");
            } else {
              LOG.debug("listing the mirrored ranges failed again ({})", error);
            }
            applier.schedule(this::relist, listBackoffMillis, TimeUnit.MILLISECONDS);
            return;
          }
          listBackoffMillis = 0;
          loggedListFailure = null;
          try {
            installListed(snapshot, first, started, reason);
          } catch (Throwable t) {
            failed(t);
            applier.schedule(this::relist, settings.backoffMax().toMillis(), TimeUnit.MILLISECONDS);
          }
        }, applier);
  }

  /** Publishes a completed list as the current version and (re)starts the upstream watch. */
  private void installListed(Bootstrap.Snapshot snapshot, boolean first, long started, String reason) {
    if (!first) {
      relists.incrementAndGet();
      stats.recordRelist();
      versions.clearWindow();
      forms.clear();
    }
    stats.recordBootstrap(ticker.read() - started);
    if (onDemand != null) {
      onDemand.clear(); // before the store goes (see PrefixTable); each prefix lists again when read
      lister.sawEntries(snapshot.largestEntry());
    }
    versions.setStoredBytes(onDemand == null ? snapshot.bytes() : 0);
    freshness.observeUpstream(snapshot.header().toBuilder().setRevision(snapshot.revision()).build());
    StoreVersion listed = new StoreVersion(snapshot.revision(),
        onDemand == null ? snapshot.tree() : dev.etcdcache.btree.BPlusTree.empty(), ticker.read());
    publish(listed);
    if (!first) {
      long compacted = freshness.compactRevision();
      listeners.forEach(l -> l.onRelist(listed, compacted));
    }
    if (applyFailure != null) {
      LOG.info("mirror recovered from the apply failure by re-listing");
      applyFailure = null;
    }
    if (degraded != null) {
      LOG.info("mirror fits its memory limits again ({} keys); serving reads from memory", snapshot.tree().size());
      degraded = null;
      listeners.forEach(l -> l.onDegraded(false, null));
    }
    LOG.info("mirror {} at revision {}: {} keys in {} pages, {} ms", first ? "ready" : "re-listed (" + reason + ")",
        snapshot.revision(), listed.tree().size(), snapshot.pages(),
        TimeUnit.NANOSECONDS.toMillis(ticker.read() - started));
    if (first) {
      // Off the apply thread: whatever a caller chained on ready() must not run (or block) here.
      callbacks.execute(() -> ready.complete(listed));
      loop.start();
    } else {
      loop.restart();
    }
  }

  private static final String MEMORY_FITS = "memory_fits";
  /** The share of its limits a degraded mirror's ranges must fit in before it lists them again. */
  private static final double FIT_HEADROOM = 0.9;

  private void degradeOnApply(String reason) {
    if (closed || degraded != null) {
      return;
    }
    StoreVersion now = versions.current();
    if (now != null && now.tree().size() > 0) {
      bytesPerEntry = Math.max(1, versions.estimatedBytes() / now.tree().size());
    }
    // The flag before the release: a reader that sees the released store also sees the flag.
    degraded = reason;
    if (onDemand != null) {
      onDemand.clear();
    }
    degradations.incrementAndGet();
    LOG.warn("memory limits: {}; serving reads and watchers from etcd and releasing the store until the "
        + "mirrored ranges fit again", reason);
    loop.pause();
    connected = false;
    versions.clearWindow();
    forms.clear();
    if (now != null) {
      versions.release(new StoreVersion(now.revision(), dev.etcdcache.btree.BPlusTree.empty(), ticker.read()));
    }
    listeners.forEach(l -> l.onDegraded(true, reason));
    scheduleFitCheck();
  }

  private void scheduleFitCheck() {
    applier.schedule(this::checkFits, settings.memoryRetry().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * A degraded mirror asks etcd how many keys its ranges hold now (count-only Ranges, no values)
   * and lists them again once that count fits its limits; otherwise it asks again later.
   */
  private void checkFits() {
    if (closed || degraded == null) {
      return;
    }
    if (onDemand != null) {
      list(MEMORY_FITS); // an on-demand mirror starts empty: its prefixes list again as they are read
      return;
    }
    CompletableFuture<Long> count = CompletableFuture.completedFuture(0L);
    for (KeyRange r : settings.ranges()) {
      count = count.thenCompose(sum -> kv.get(ByteSequence.from(r.fromInclusive()), io.etcd.jetcd.options.GetOption
              .builder().withRange(ByteSequence.from(r.rangeEnd())).withCountOnly(true).build())
          .thenApply(response -> sum + response.getCount()));
    }
    count.whenCompleteAsync((keys, failure) -> {
      if (closed || degraded == null) {
        return;
      }
      // Within FIT_HEADROOM of the limits, not at them: a mirror listed right at its limit would
      // degrade again at the next create (or as soon as history builds up) and list every period.
      boolean fits = failure == null
          && (settings.maxEntries() == 0 || keys <= settings.maxEntries() * FIT_HEADROOM)
          && (settings.storeBudget() == 0 || bytesPerEntry == 0
              || keys * bytesPerEntry <= settings.storeBudget() * FIT_HEADROOM);
      if (fits) {
        list(MEMORY_FITS);
      } else {
        scheduleFitCheck();
      }
    }, applier);
  }

  /**
   * Applying failed (a bug, a listener's throw, an exhausted resource): what was published may
   * have a hole, so reads stop being served from memory (see {@link #isServing()}) and a re-list
   * rebuilds the mirror. Logged once per failure; the error is in {@link #status()}.
   */
  private void failed(Throwable t) {
    boolean firstFailure = applyFailure == null;
    applyFailure = t;
    lastError = "apply failed: " + t;
    if (firstFailure) {
      LOG.error("the mirror failed to apply a change; serving reads from etcd and re-listing", t);
    }
  }

  private void apply(WatchResponse response) {
    io.etcd.jetcd.Response.Header h = response.getHeader();
    freshness.observeUpstream(WireForm.header(h));
    List<WatchEvent> events = response.getEvents();
    if (events.isEmpty()) {
      onProgress(h.getRevision());
      return;
    }
    int i = 0;
    while (i < events.size()) {
      long revision = events.get(i).getKeyValue().getModRevision();
      int end = i;
      while (end < events.size() && events.get(end).getKeyValue().getModRevision() == revision) {
        end++;
      }
      applyRevision(revision, events.subList(i, end));
      i = end;
    }
  }

  private void applyRevision(long revision, List<WatchEvent> events) {
    StoreVersion before = versions.current();
    if (revision <= before.revision()) {
      return;
    }
    Batch<byte[]> batch = before.tree().batch();
    List<KeyWrite> writes = new ArrayList<>(events.size());
    long bytes = versions.storedBytes();
    // What the version before this one pins once this one is current: the values it replaced,
    // the keys it deleted, the nodes the batch copies, and its own place in the window.
    long pins = HeapCost.REVISION;
    for (WatchEvent event : events) {
      io.etcd.jetcd.KeyValue kv = event.getKeyValue();
      byte[] key = kv.getKey().getBytes();
      if (filterRanges && !inRanges(key)) {
        continue;
      }
      boolean delete = event.getEventType() == WatchEvent.EventType.DELETE;
      if (onDemand != null) {
        Object route = onDemand.route(key);
        if (route instanceof PrefixTable.Pending pending) {
          if (revision > pending.from) {
            pending.events.add(new PrefixTable.Buffered(revision, key, delete ? null : StoredValue.pack(kv)));
          }
          continue;
        } else if (route == null) {
          continue; // a prefix nobody reads: dropped here, cheaply
        }
      }
      byte[] stored = delete ? null : StoredValue.pack(kv);
      byte[] previous = delete ? batch.remove(key) : batch.put(key, stored);
      if (stored != null) {
        bytes += StoredValue.entryBytes(key, stored);
      }
      if (previous != null) {
        bytes -= StoredValue.entryBytes(key, previous);
        pins += HeapCost.array(previous.length) + (delete ? HeapCost.array(key.length) : 0);
      }
      writes.add(new KeyWrite(key, stored, previous));
    }
    StoreVersion after = new StoreVersion(revision, batch.freeze(), ticker.read());
    pins += HeapCost.pathCopy(before.tree().size(), writes.size());
    versions.setStoredBytes(bytes);
    versions.publish(after, pins);
    // After the publish: a read of the version before could otherwise put a replaced form back.
    for (KeyWrite w : writes) {
      if (w.previous() != null) {
        forms.forget(w.previous());
      }
    }
    stats.recordEventsApplied(writes.size());
    if (writes.isEmpty()) {
      listeners.forEach(l -> l.onProgress(after));
    } else {
      AppliedRevision applied = new AppliedRevision(before, after, writes);
      listeners.forEach(l -> l.onRevision(applied));
    }
  }

  /**
   * A progress notification: at or below the applied revision it says nothing new (and confirms
   * nothing: the member that sent it may be cut off from its peers, see {@link Freshness}); above
   * it, in a mirror of the whole keyspace it only means events are on their way (every revision has
   * an event there); in a mirror of some ranges it is checked against etcd before the mirror moves
   * (see {@link ProgressCheck}).
   */
  private void onProgress(long revision) {
    StoreVersion base = versions.current();
    if (revision <= base.revision()) {
      return;
    }
    if (watchRange.equals(KeyRange.ALL) || checkingProgress) {
      return;
    }
    checkingProgress = true;
    long sent = ticker.read();
    progressCheck.unchangedUntil(base, revision).whenCompleteAsync((unchanged, failure) -> {
      checkingProgress = false;
      if (closed || failure != null || unchanged.isEmpty() || versions.current() != base) {
        return;
      }
      StoreVersion advanced = base.advancedTo(revision, ticker.read());
      versions.publish(advanced, HeapCost.REVISION);
      // The check's linearizable answer, not the notification, confirms: current as of its send
      // time once the mirror is at the answer's revision (at once unless etcd moved on meanwhile).
      freshness.observeProbe(unchanged.get(), sent);
      listeners.forEach(l -> l.onProgress(advanced));
    }, applier);
  }

  /**
   * The upstream watch has been idle for the progress interval: if a bounded-staleness read asked
   * for freshness since the last time, or the last confirmation is older than
   * {@value #KEEP_CONFIRMED_INTERVALS} progress intervals (so that {@code status().lastProgress()}
   * and the staleness gauge keep meaning "current as of" on an idle cache), learn etcd's revision
   * linearizably (through the leader) so that the mirror can be confirmed current once it is there.
   * If etcd is ahead, ask for progress: in a mirror of some ranges, writes elsewhere bring no
   * events, only a checked notification.
   */
  private void probeFreshness() {
    if (closed || probingFreshness) {
      return;
    }
    long sync = freshness.lastSyncNanos();
    boolean overdue = sync == 0 || ticker.read() - sync > KEEP_CONFIRMED_INTERVALS * settings.progressInterval().toNanos();
    if (!freshness.takeWanted() && !overdue) {
      return;
    }
    probingFreshness = true;
    long sent = ticker.read();
    progressCheck.currentRevision(probeKey()).whenCompleteAsync((header, failure) -> {
      probingFreshness = false;
      if (closed) {
        return;
      }
      if (failure != null) {
        onPermissionDenied(failure); // a timeout (no leader, say) just confirms nothing
        return;
      }
      freshness.observeProbe(header, sent);
      if (versions.current().revision() < header.getRevision()) {
        loop.requestProgress();
      }
    }, applier);
  }

  private void publish(StoreVersion version) {
    versions.publish(version);
  }

  private boolean inRanges(byte[] key) {
    for (KeyRange r : settings.ranges()) {
      if (r.contains(key)) {
        return true;
      }
    }
    return false;
  }

  /** The loop's view of this mirror; every call arrives on the apply thread. */
  private final class LoopSink implements WatchLoop.Sink {
    @Override
    public long appliedRevision() {
      return versions.current().revision();
    }

    @Override
    public int fanOut() {
      return Mirror.this.fanOut();
    }

    @Override
    public void onIdle() {
      probeFreshness();
    }

    @Override
    public void onResponse(WatchResponse response) {
      if (applyFailure != null || degraded != null) {
        return; // a re-list is rebuilding the mirror (or it degraded) and will restart the watch after it
      }
      try {
        apply(response);
      } catch (Throwable t) {
        failed(t);
        list("apply_failed");
      }
    }

    @Override
    public void onConnected(boolean isConnected, String error) {
      if (!isConnected && connected) {
        reconnects.incrementAndGet();
        stats.recordReconnect();
        disconnectedAt = ticker.read();
        reconnecting = tracing.start(Tracing.RECONNECT);
        if (error != null) {
          reconnecting.setAttribute(Tracing.REASON, error);
        }
      } else if (isConnected && reconnecting != null) {
        LOG.info("upstream watch re-established after {} ms, at revision {}",
            TimeUnit.NANOSECONDS.toMillis(ticker.read() - disconnectedAt), versions.current().revision());
        reconnecting.end();
        reconnecting = null;
      }
      connected = isConnected;
      if (error != null) {
        lastError = error;
      }
    }

    @Override
    public void onFailed(Throwable error) {
      onPermissionDenied(error);
      listeners.forEach(l -> l.onUpstreamError(error));
    }

    @Override
    public void onCompacted(long revision) {
      freshness.observeCompaction(revision);
      list("compacted");
    }
  }
}
