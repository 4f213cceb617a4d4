package dev.etcdcache.core;

import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.api.CacheOnDemand;
import dev.etcdcache.api.CacheStats;
import dev.etcdcache.api.CacheStatus;
import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.consistency.CachedReads;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.memory.MemoryBudget;
import dev.etcdcache.core.mirror.PrefixPattern;
import dev.etcdcache.core.mirror.PrefixTable;
import dev.etcdcache.core.mirror.MirrorSettings;
import dev.etcdcache.core.mirror.RevisionListener;
import dev.etcdcache.core.passthrough.DeadlineKV;
import dev.etcdcache.core.passthrough.JetcdRange;
import dev.etcdcache.core.history.EventHistory;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.verify.ConsistencyChecker;
import dev.etcdcache.core.verify.ShadowReads;
import dev.etcdcache.core.view.MirrorView;
import dev.etcdcache.core.watch.WatchHub;
import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.AdapterMetrics;
import dev.etcdcache.core.trace.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import dev.etcdcache.api.CacheView;
import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Cluster;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.Maintenance;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A jetcd {@link Client} whose Get requests are answered from an in-memory mirror of etcd with
 * etcd's own semantics. Build one around any jetcd client (namespaced, TLS, auth):
 *
 * <pre>{@code
 * Client etcd = Client.builder().endpoints("http://127.0.0.1:2379").build();
 * CachingClient client = CachingClient.builder(etcd).build();
 * client.awaitReady(Duration.ofSeconds(30));
 * client.getKVClient().get(key);            // from memory, linearizable
 * }</pre>
 *
 * <p>{@link #getKVClient()} returns a {@link CachingKV} and {@link #getWatchClient()} a
 * {@link CachingWatch}; every other client is the wrapped one.
 * The mirror starts at {@link Builder#build()}; until it is ready, reads go to etcd.
 *
 * <p>Permissions (etcd auth): the mirror reads with the wrapped client's credentials, and every
 * request it sends on its own behalf stays inside the mirrored ranges, so read permission on
 * exactly {@link Builder#prefixes} suffices. A mirror whose list etcd refuses is not ready,
 * {@link #status()} carries etcd's error, reads go to etcd (and get its error), and the list is
 * retried with backoff until permission is granted. Revocation: once etcd refuses one of the
 * mirror's own requests with {@code PERMISSION_DENIED} (a linearizable read's revision probe, the
 * upstream watch, a progress check or a re-list), no read is served from memory until a re-list
 * succeeds. A linearizable read therefore gets etcd's error at once when read permission on the
 * first mirrored range's first key is revoked (its probe reads that key). A serializable or
 * bounded-staleness read sends no request of its own: it stops being served from memory at the
 * first such refusal after the revocation, so with no linearizable reads, progress checks or
 * watch re-creations in between there is no time bound (etcd keeps a live watch open after a
 * revocation). Use linearizable reads where revocation must be honoured at once.
 *
 * <p>Thread-safe. {@link #close()} stops the mirror and fails reads waiting on it; it does not close
 * the wrapped client, which the caller owns.
 */
public final class CachingClient implements Client {

  private static final Logger LOG = LoggerFactory.getLogger(CachingClient.class);

  private final Client delegate;
  private final CacheConfig config;
  private final Mirror mirror;
  private final CachingKV kv;
  private final CachingWatch watch;
  private final CacheWire wire;
  private final WatchHub hub;
  private final ExecutorService watchDelivery;
  private final ScheduledExecutorService watchTimer;
  /** The mirror's apply thread: the only writer of the mirror, its history and its views. */
  private final ScheduledExecutorService applier;
  private final StatsRecorder stats;
  private final AdapterMetrics adapterMetrics;
  private final Tracing tracing;
  private final CachedReads reads;
  private final List<MirrorView<?>> views = new CopyOnWriteArrayList<>();
  private final ConsistencyChecker checker;
  private volatile boolean readsBypassed;
  private volatile boolean watchesBypassed;
  private volatile double shadowRate;
  private volatile ShadowReads shadow;
  private final MemoryBudget memory;
  /** Whether the mirror degraded under its memory limits: reads and watchers then go to etcd. */
  private boolean degraded;

  private CachingClient(Client delegate, CacheConfig config, StatsRecorder stats, AdapterMetrics adapterMetrics,
      Tracing tracing, Function<RangeRequest, CompletableFuture<RangeResponse>> probes) {
    this.stats = stats;
    this.tracing = tracing;
    this.adapterMetrics = adapterMetrics;
    this.delegate = delegate;
    this.config = config;
    List<KeyRange> ranges = new ArrayList<>();
    for (ByteSequence prefix : config.prefixes()) {
      ranges.add(KeyRange.prefix(prefix.getBytes()));
    }
    PrefixPattern pattern = config.onDemand().map(CachingClient::pattern).orElse(null);
    if (pattern != null) {
      ranges.addAll(pattern.ranges());
    }
    if (ranges.isEmpty()) {
      ranges.add(KeyRange.ALL);
    }
    MirrorSettings settings = new MirrorSettings(ranges, config.pageBytes(), config.firstPageLimit(),
        config.historyEvents(), config.historyAge(), config.progressInterval(), config.stallTimeout(),
        config.reconnectBackoffMin(), config.reconnectBackoffMax(), config.historyBytes(), config.maxEntries(),
        config.memoryBudget(), config.memoryRetry());
    KV upstreamKv = delegate.getKVClient();
    // The cache's own reads (pages, probes, checks) give up after the request timeout; callers'
    // reads passed through to etcd wait as long as jetcd would.
    KV ownKv = new DeadlineKV(upstreamKv, config.requestTimeout());
    this.applier = applyThread();
    this.mirror = new Mirror(ownKv, delegate.getWatchClient(), settings, applier, config.executor(),
        config.ticker(), stats, tracing, pattern);
    this.reads = new CachedReads(probes != null ? probes : new JetcdRange(ownKv), new JetcdRange(upstreamKv), mirror,
        config.defaultConsistency(),
        config.consistentReadTimeout(), config.progressRequestDelay(), config.executor(), config.ticker(), stats,
        tracing, config.onDemandWait());
    this.kv = new CachingKV(upstreamKv, reads, mirror);
    this.watchDelivery = watchDeliveryPool(config.deliveryThreads());
    this.watchTimer = watchTimer();
    this.hub = new WatchHub(mirror, ownKv, delegate.getWatchClient(),
        new EventHistory(config.historyEvents(), config.historyAge().toNanos(), config.historyBytes(),
            config.ticker()),
        watchDelivery, watchTimer,
        new WatchHub.Settings(config.watcherQueueLimit(), config.watchReplayRevisions(),
            config.watchRegistrationTimeout(), config.watchProgressNotifyInterval()),
        config.ticker(), stats);
    this.watch = new CachingWatch(hub);
    // After the hub, so the budget sees the history as of each revision.
    this.memory = new MemoryBudget(mirror, hub.history(), this::viewBytes, config.memoryBudget(),
        config.maxEntries());
    mirror.addListener(new RevisionListener() {
      @Override
      public void onRevision(dev.etcdcache.core.mirror.AppliedRevision applied) {}

      @Override
      public void onDegraded(boolean degraded, String reason) {
        memoryDegraded(degraded);
      }
    });
    this.wire = new CacheWire(reads, hub);
    this.checker = new ConsistencyChecker(mirror, ownKv, ranges, watchTimer, config.ticker());
    if (!config.consistencyCheckPeriod().isZero()) {
      checker.start(config.consistencyCheckPeriod());
    }
    mirror.start();
  }

  private static PrefixPattern pattern(OnDemandPrefixes prefixes) {
    if (!prefixes.parent().isEmpty()) {
      return PrefixPattern.children(prefixes.parent().getBytes(), OnDemandPrefixes.SEPARATOR);
    }
    List<byte[]> listed = new ArrayList<>();
    prefixes.listed().forEach(p -> listed.add(p.getBytes()));
    return PrefixPattern.listed(listed);
  }

  /**
   * What on-demand mirroring does (see {@link Builder#onDemand}): prefixes mirrored now, bootstraps,
   * drops, reads served from memory and sent to etcd; all zero without on-demand prefixes. The
   * same report as {@code status().onDemand()}.
   */
  public CacheOnDemand onDemand() {
    PrefixTable t = mirror.onDemand();
    return t == null ? CacheOnDemand.none()
        : new CacheOnDemand(t.mirroredCount(), t.bootstrappingCount(), t.bootstraps(),
            t.failedBootstraps(), t.drops(), t.hits(), t.passes());
  }

  /** A builder for a caching client around {@code client}. */
  public static Builder builder(Client client) {
    return new Builder(client);
  }

  /** The caching KV: Gets from memory, everything else to etcd. */
  @Override
  public CachingKV getKVClient() {
    return kv;
  }

  /** The caching watch: watchers served from the mirror's one upstream watch. */
  @Override
  public CachingWatch getWatchClient() {
    return watch;
  }

  /**
   * etcd's wire API served from this client's mirror, for code that speaks etcd's protocol to its
   * own clients (the seam {@code cache-server} is built on).
   */
  public CacheWire wire() {
    return wire;
  }

  @Override
  public Auth getAuthClient() {
    return delegate.getAuthClient();
  }

  @Override
  public Cluster getClusterClient() {
    return delegate.getClusterClient();
  }

  @Override
  public Maintenance getMaintenanceClient() {
    return delegate.getMaintenanceClient();
  }

  @Override
  public Lease getLeaseClient() {
    return delegate.getLeaseClient();
  }

  @Override
  public Lock getLockClient() {
    return delegate.getLockClient();
  }

  @Override
  public Election getElectionClient() {
    return delegate.getElectionClient();
  }

  /** The settings this client runs with. */
  public CacheConfig config() {
    return config;
  }

  /** The mirror's health now, with the decode failures of this client's typed views. */
  public CacheStatus status() {
    long decodeFailures = 0;
    for (MirrorView<?> v : views) {
      decodeFailures += v.decodeFailures();
    }
    return mirror.status().withDecodeFailures(decodeFailures).withMemory(memory()).withOnDemand(onDemand());
  }

  /**
   * What the cache holds on the heap now, by part (estimated), against its memory budget and
   * {@link Builder#maxEntries}, and whether it degraded to etcd to stay within them; the same as
   * {@code status().memory()}.
   */
  public dev.etcdcache.api.CacheMemory memory() {
    return memory.snapshot().withDegradedReads(reads.degradedReads());
  }

  /**
   * A typed, indexed view of the keys under {@code prefix}, decoded by {@code adapter} once per
   * change and kept by the mirror at its revisions (see {@link CacheView}). Reads have this
   * client's consistency options; watch callbacks and waiting reads complete on the client's
   * executor. The view lives until it or this client is closed.
   *
   * @throws IllegalArgumentException if this client does not mirror {@code prefix}, or the adapter
   *     declares two indexes with one name
   * @throws dev.etcdcache.api.CacheClosedException if this client is closed
   */
  public <T> CacheView<T> view(String prefix, Adapter<T> adapter) {
    if (mirror.isClosed()) {
      throw new dev.etcdcache.api.CacheClosedException("the caching client is closed");
    }
    MirrorView<T> view = MirrorView.open(mirror, reads, prefix, adapter, config.executor(), config.historyEvents(),
        config.watcherQueueLimit(), stats, adapterMetrics, tracing);
    views.add(view);
    return view;
  }

  /**
   * What this client has done and holds now: the recorder's counters (empty with
   * {@link StatsRecorder#disabled()}) and gauges read from the mirror, the watch hub and the
   * history at this call, and the decode failures counted by this client's typed views. Cheap
   * enough to call on every metrics scrape: it walks the open watchers once and takes no lock the
   * read path takes. Works on a closed client (gauges as they were).
   */
  public CacheStats stats() {
    StoreVersion now = mirror.current();
    if (now == null) {
      return stats.snapshot();
    }
    long decodeFailures = 0;
    for (MirrorView<?> v : views) {
      decodeFailures += v.decodeFailures();
    }
    long tick = config.ticker().read();
    long sync = mirror.freshness().lastSyncNanos();
    EventHistory history = hub.history();
    long oldestAppended = history.oldestAppendedNanos();
    long upstreamStreams = (mirror.status().connected() ? 1 : 0) + hub.upstreamStreams();
    return stats.snapshot().plus(gauges(
        hub.watchers(),
        upstreamStreams,
        Math.max(0, mirror.freshness().etcdRevision() - now.revision()),
        sync == 0 ? 0 : Math.max(0, tick - sync),
        history.isStarted() ? history.oldestRevision() : 0,
        history.eventCount(),
        oldestAppended < 0 ? 0 : Math.max(0, tick - oldestAppended),
        now.tree().size(),
        mirror.estimatedBytes(),
        decodeFailures));
  }

  /** Completes when the mirror has its first snapshot and reads are served from memory. */
  public CompletableFuture<Void> ready() {
    return mirror.ready().thenApply(v -> null);
  }

  /**
   * Waits until the mirror is ready.
   *
   * @return true if ready, false if {@code timeout} passed first
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    try {
      mirror.ready().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("the cache failed to become ready", e.getCause());
    }
  }

  /**
   * What the consistency check found so far (see {@link Builder#consistencyCheckPeriod}); all
   * zero when it never ran.
   */
  public ConsistencyReport consistency() {
    return ConsistencyReport.of(checker);
  }

  /**
   * Compares the mirror with etcd now, at the mirror's current revision (joining a check already
   * running), whether or not the periodic check is on; a difference is handled as the periodic
   * check handles it (logged, counted, re-listed). Completes with the report after it.
   */
  public CompletableFuture<ConsistencyReport> checkConsistency() {
    return checker.checkNow().thenApply(round -> ConsistencyReport.of(checker));
  }

  /**
   * The runtime bypass, for an operator's way back to direct etcd access without a restart: while
   * on, every read goes to etcd, and every watcher is served by its own etcd watch — those served
   * from memory move to one from exactly the first revision they have not been sent, so no event
   * is lost or repeated across the switch. Off: reads and new watchers are served from memory
   * again at once (the mirror kept applying meanwhile), and watchers on their own etcd watch go
   * back to the shared stream, again without a lost or repeated event: those the bypass moved at
   * once, those opened while it was on once etcd has sent them an event or a periodic progress
   * notification (as any watcher that fell off the history). Idempotent, any thread.
   */
  public void bypass(boolean on) {
    bypass(on, on);
  }

  /**
   * The bypass for reads and for watches apart, for a rollout that serves reads from memory while
   * watches stay on etcd (or the reverse); each half behaves as in {@link #bypass(boolean)}.
   */
  public synchronized void bypass(boolean reads, boolean watches) {
    if (reads != readsBypassed || watches != watchesBypassed) {
      // A lifecycle event an operator must see in the log: one line per flip, never per request.
      LOG.warn("bypass: reads {}, watches {}", reads ? "go to etcd" : "served from memory",
          watches ? "go to etcd" : "served from memory");
    }
    readsBypassed = reads;
    watchesBypassed = watches;
    applyBypass();
  }

  /**
   * The mirror degraded under its memory limits, or fits again: reads and watchers go to etcd
   * through the bypass's own path (as if an operator had turned it on), and come back with it.
   * The mirror logs the one line that says why.
   */
  private synchronized void memoryDegraded(boolean on) {
    degraded = on;
    applyBypass();
  }

  /** Sends reads and watchers to etcd while the operator's bypass or the memory limits say so. */
  private synchronized void applyBypass() {
    this.reads.bypass(readsBypassed || degraded);
    hub.bypass(watchesBypassed || degraded);
  }

  /**
   * Measurement hook, package-private on purpose: the structures {@link #memory()} estimates, as
   * roots for a heap measurement (JOL) in tests: each held version's tree (the current one among
   * them) and each history revision's events. No records among them (JOL cannot take a record's
   * field offsets on JDK 17 without a flag).
   */
  List<Object> retainedRoots() {
    List<Object> roots = new ArrayList<>();
    StoreVersion now = mirror.current();
    if (now != null) {
      roots.add(now.tree());
    }
    for (StoreVersion v : mirror.heldVersions()) {
      roots.add(v.tree());
    }
    EventHistory history = hub.history();
    if (history.isStarted()) {
      for (EventHistory.Entry e : history.since(history.oldestRevision())) {
        roots.add(e.events());
      }
    }
    return roots;
  }

  private long viewBytes() {
    long sum = 0;
    for (MirrorView<?> v : views) {
      sum += v.estimatedBytes();
    }
    return sum;
  }

  /**
   * Shadow mode, for the first phase of a rollout: with {@code sampleRate} in (0, 1] every Get is
   * answered by etcd, and that share of them is also answered by the cache at the same revision in
   * the background and compared field by field ({@link #shadowReport()}; mismatches are logged
   * with key, revision and a short diff). 0 ends shadow mode (reads are served from memory again)
   * and keeps the last report. The caller pays one random draw per Get beyond etcd's own answer.
   *
   * @throws IllegalArgumentException unless {@code 0 <= sampleRate <= 1}
   */
  public synchronized void shadowReads(double sampleRate) {
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException("sampleRate must be in [0, 1]: " + sampleRate);
    }
    shadowRate = sampleRate;
    if (sampleRate == 0) {
      reads.shadow(null);
      return;
    }
    shadow = new ShadowReads(mirror, sampleRate, config.executor(), config.consistentReadTimeout().toMillis());
    reads.shadow(shadow);
  }

  /** What shadow mode found since it was last started (all zero if it never ran). */
  public ShadowReport shadowReport() {
    return ShadowReport.of(shadow);
  }

  /** Whether any part of the bypass is on (reads or watches). */
  public boolean isBypassed() {
    return readsBypassed || watchesBypassed;
  }

  /** Whether the bypass sends reads to etcd now. */
  public boolean isReadsBypassed() {
    return readsBypassed;
  }

  /** Whether the bypass sends watchers to etcd now. */
  public boolean isWatchesBypassed() {
    return watchesBypassed;
  }

  /** Shadow mode's sample rate now; 0 when shadow mode is off. */
  public double shadowRate() {
    return shadowRate;
  }

  /** Stops the mirror; the wrapped client stays open. */
  @Override
  public void close() {
    checker.close();
    views.forEach(MirrorView::close);
    watch.close();
    mirror.close();
    applier.shutdownNow();
    watchTimer.shutdownNow();
    watchDelivery.shutdown();
  }

  /**
   * Configures a {@link CachingClient}. Each setter validates its argument at once
   * ({@link IllegalArgumentException}) and may be called once ({@link IllegalStateException}).
   * Not thread-safe; build on one thread.
   */
  public static final class Builder {
    private final Client client;
    private List<ByteSequence> prefixes;
    private ReadConsistency defaultConsistency;
    private Integer historyEvents;
    private Duration historyAge;
    private Duration consistentReadTimeout;
    private Integer pageBytes;
    private Duration progressInterval;
    private Duration stallTimeout;
    private Duration watchProgressNotifyInterval;
    private Integer watcherQueueLimit;
    private Duration consistencyCheckPeriod;
    private Long historyBytes;
    private Long memoryBudget;
    private Long maxEntries;
    private OnDemandPrefixes onDemand;
    private Duration onDemandWait;
    private Executor executor;
    private Ticker ticker;
    // Not in CacheConfig: a recorder is a per-client object holding state, not a setting.
    private StatsRecorder statsRecorder;
    private AdapterMetrics adapterMetrics;
    private OpenTelemetry openTelemetry;
    private Function<RangeRequest, CompletableFuture<RangeResponse>> probeRange;

    private Builder(Client client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** Mirror only keys under these prefixes (default: the whole keyspace). */
    public Builder prefixes(ByteSequence... prefixes) {
      checkUnset(this.prefixes, "prefixes");
      for (ByteSequence p : prefixes) {
        if (Objects.requireNonNull(p, "prefix").isEmpty()) {
          throw new IllegalArgumentException("an empty prefix: leave prefixes unset to mirror everything");
        }
      }
      this.prefixes = List.of(prefixes);
      return this;
    }

    /**
     * How a Get not marked serializable is served (default {@link ReadConsistency#LINEARIZABLE},
     * as etcd). A Get with {@code withSerializable(true)} is always served serializable.
     */
    public Builder defaultConsistency(ReadConsistency consistency) {
      checkUnset(this.defaultConsistency, "defaultConsistency");
      this.defaultConsistency = Objects.requireNonNull(consistency, "consistency");
      return this;
    }

    /** How many recent revisions are kept for reads at a revision (default 10,000). */
    public Builder historyEvents(int events) {
      checkUnset(this.historyEvents, "historyEvents");
      if (events < 1) {
        throw new IllegalArgumentException("historyEvents must be positive: " + events);
      }
      this.historyEvents = events;
      return this;
    }

    /** How long recent revisions are kept at least, within {@link #historyEvents} (default 75 s). */
    public Builder historyAge(Duration age) {
      checkUnset(this.historyAge, "historyAge");
      this.historyAge = positive(age, "historyAge");
      return this;
    }

    /** How long a consistent read waits for the mirror before it goes to etcd (default 3 s). */
    public Builder consistentReadTimeout(Duration timeout) {
      checkUnset(this.consistentReadTimeout, "consistentReadTimeout");
      this.consistentReadTimeout = positive(timeout, "consistentReadTimeout");
      return this;
    }

    /** Target bytes of one bootstrap page (default 3 MiB, below jetcd's 4 MiB inbound limit). */
    public Builder pageBytes(int bytes) {
      checkUnset(this.pageBytes, "pageBytes");
      if (bytes < 1024) {
        throw new IllegalArgumentException("pageBytes must be at least 1024: " + bytes);
      }
      this.pageBytes = bytes;
      return this;
    }

    /** Silence after which the upstream watch asks etcd for progress (default 2 s). */
    public Builder progressInterval(Duration interval) {
      checkUnset(this.progressInterval, "progressInterval");
      this.progressInterval = positive(interval, "progressInterval");
      return this;
    }

    /** Silence after which the upstream watch is re-established (default 15 s). */
    public Builder stallTimeout(Duration timeout) {
      checkUnset(this.stallTimeout, "stallTimeout");
      this.stallTimeout = positive(timeout, "stallTimeout");
      return this;
    }

    /** Where reads that waited for the mirror complete (default the common fork-join pool). */
    public Builder executor(Executor executor) {
      checkUnset(this.executor, "executor");
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The time source (default {@link Ticker#systemTicker()}). */
    public Builder ticker(Ticker ticker) {
      checkUnset(this.ticker, "ticker");
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Where the client records what it does (default {@link StatsRecorder#concurrent()}, always
     * on: a few {@code LongAdder} increments per Get). {@link StatsRecorder#disabled()} turns
     * counting off; {@link #stats()} then reports gauges only. Any other recorder is guarded: its
     * exceptions are logged once and never reach a read or the mirror.
     */
    public Builder statsRecorder(StatsRecorder recorder) {
      checkUnset(this.statsRecorder, "statsRecorder");
      this.statsRecorder = Objects.requireNonNull(recorder, "recorder");
      return this;
    }

    /**
     * Where the adapters of this client's views register their business meters (default
     * {@link AdapterMetrics#noop()}: adapters are not bound and not told of changes, so they cost
     * nothing). {@code cache-metrics}' {@code MicrometerAdapterMetrics} binds them to a Micrometer
     * registry; each view's meters are tagged {@code view=<prefix>}.
     */
    public Builder adapterMetrics(AdapterMetrics metrics) {
      checkUnset(this.adapterMetrics, "adapterMetrics");
      this.adapterMetrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /**
     * Traces the cache through {@code openTelemetry} (default none: no span is started). Spans, all
     * named {@code etcd_cache.*}: each list and re-list with one child per Range page and its reason;
     * each upstream watch outage until reconnected; the wait of each linearizable read; each read
     * sent to etcd, with its reason; each batch a typed view decodes. A read's spans are children of
     * the caller's current span, on which the read's decision ({@code etcd_cache.decision} =
     * memory or etcd, {@code etcd_cache.reason}) is set when it goes to etcd. Serializable reads
     * served from memory start no span and read no context.
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      checkUnset(this.openTelemetry, "openTelemetry");
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /**
     * How often an idle watcher created with {@code withProgressNotify(true)} gets a progress
     * response until etcd's own {@code --experimental-watch-progress-notify-interval} is observed
     * on the mirror's upstream watch (it is, once that watch has been idle for one interval);
     * default 10 minutes, etcd's default.
     */
    public Builder watchProgressNotifyInterval(Duration interval) {
      checkUnset(this.watchProgressNotifyInterval, "watchProgressNotifyInterval");
      this.watchProgressNotifyInterval = positive(interval, "watchProgressNotifyInterval");
      return this;
    }

    /**
     * Responses queued for one watcher before it is marked lagging and caught up from history once
     * its listener drains (default 1,024): bounds the memory a slow listener holds.
     */
    public Builder watcherQueueLimit(int responses) {
      checkUnset(this.watcherQueueLimit, "watcherQueueLimit");
      if (responses < 1) {
        throw new IllegalArgumentException("watcherQueueLimit must be positive: " + responses);
      }
      this.watcherQueueLimit = responses;
      return this;
    }

    /**
     * Compare the mirror with etcd every {@code period} (default {@link Duration#ZERO}: off): at a
     * revision R the mirror holds, a keys-only Range of every mirrored range pinned at R is
     * compared with the mirror on key, create and mod revision, version and lease. A difference is
     * logged and counted ({@link CachingClient#consistency()}) and the mirror re-lists, serving
     * reads from etcd until it has. Costs etcd one keys-only list of the mirrored keys per period.
     */
    public Builder consistencyCheckPeriod(Duration period) {
      checkUnset(this.consistencyCheckPeriod, "consistencyCheckPeriod");
      this.consistencyCheckPeriod = positive(period, "consistencyCheckPeriod");
      return this;
    }

    /**
     * Estimated bytes the watch replay history may hold, and the bytes the recent versions kept for
     * reads at a revision may pin beyond the current one (each bound apart; default 64 MiB), on top
     * of {@link #historyEvents} and {@link #historyAge}: whichever is reached first shortens them.
     * A watcher that falls off a shortened history is served as when the other bounds shorten it
     * (its own upstream watch from its revision, or etcd's compaction error); a read at a revision
     * no longer held goes to etcd.
     */
    public Builder historyBytes(long bytes) {
      checkUnset(this.historyBytes, "historyBytes");
      if (bytes < 1) {
        throw new IllegalArgumentException("historyBytes must be positive: " + bytes);
      }
      this.historyBytes = bytes;
      return this;
    }

    /**
     * A memory budget for the whole cache in estimated bytes (default none): the store, what the
     * recent versions pin, the replay history and the typed views' structure together
     * ({@link CachingClient#memory()}). Past it the cache first drops the older versions and the
     * history; if it still does not fit it <em>degrades</em> instead of growing: reads and watchers
     * go to etcd (reads coalesced, watchers exactly, as with {@link CachingClient#bypass}), the
     * store is released, status and metrics say so and why, and every 10 s a count-only Range asks
     * whether the mirrored ranges fit again, listing them when they do. A list stops as soon as it
     * passes the budget, so a keyspace larger than the budget is never held. The estimate models
     * the heap (see {@code CacheMemory}); set the budget well below {@code -Xmx}, which must also hold
     * the application and the responses in flight.
     */
    public Builder memoryBudget(long bytes) {
      checkUnset(this.memoryBudget, "memoryBudget");
      if (bytes < 1) {
        throw new IllegalArgumentException("memoryBudget must be positive: " + bytes);
      }
      this.memoryBudget = bytes;
      return this;
    }

    /**
     * The most keys the mirror holds (default no limit), the counterpart of Kubernetes'
     * {@code CacheSize}: past it the cache degrades to etcd as past {@link #memoryBudget}, and serves
     * from memory again once a count-only Range shows the mirrored ranges hold no more.
     */
    public Builder maxEntries(long entries) {
      checkUnset(this.maxEntries, "maxEntries");
      if (entries < 1) {
        throw new IllegalArgumentException("maxEntries must be positive: " + entries);
      }
      this.maxEntries = entries;
      return this;
    }

    /**
     * Mirror {@code prefixes} on demand (default: every mirrored range is listed at start; not with
     * {@link #prefixes}): the cache starts empty and watches the prefixes' span from the start; the
     * first read of a prefix starts the prefix's bootstrap, shared by the readers that come
     * meanwhile, who wait up to {@link #onDemandWait} (default 1 s) for it and are then served from
     * memory (or answered by etcd if it takes longer); later reads of it are served from memory,
     * exact as any other. A read whose range spans several prefixes, or lies in none, goes
     * to etcd; so does a read at a revision before the prefix came in. Under the
     * {@link #memoryBudget} (or {@link #maxEntries}) the least recently read prefixes are dropped
     * first. Watchers of these prefixes are served by their own upstream watch (exactly; a prefix can
     * be dropped at any time) and typed views cannot be built on them.
     */
    public Builder onDemand(OnDemandPrefixes prefixes) {
      checkUnset(this.onDemand, "onDemand");
      this.onDemand = Objects.requireNonNull(prefixes, "prefixes");
      return this;
    }

    /**
     * How long the first readers of an on-demand prefix wait for its bootstrap (default 1 s) before
     * etcd answers them; {@link Duration#ZERO} has etcd answer them at once while the bootstrap runs
     * (etcd then serves two Ranges per miss: the reader's and the bootstrap's). A read at a revision
     * never waits.
     */
    public Builder onDemandWait(Duration wait) {
      checkUnset(this.onDemandWait, "onDemandWait");
      Objects.requireNonNull(wait, "onDemandWait");
      if (wait.isNegative()) {
        throw new IllegalArgumentException("onDemandWait must not be negative: " + wait);
      }
      this.onDemandWait = wait;
      return this;
    }

    /**
     * Sends the cache's revision probes (the count-only Range on one key that a round of
     * linearizable reads shares) with {@code range} instead of through the wrapped client's KV. For
     * a server that holds its own gRPC channel to the same etcd, where a call costs less than a
     * jetcd call and can complete on the channel's event loop. {@code range} must reach the same
     * cluster with the same credentials as the wrapped client, must not block, should give up
     * after a bounded time, and should fail with etcd's gRPC status.
     */
    public Builder probeRange(Function<RangeRequest, CompletableFuture<RangeResponse>> range) {
      checkUnset(this.probeRange, "probeRange");
      this.probeRange = Objects.requireNonNull(range, "probeRange");
      return this;
    }

    /** Builds the client and starts its mirror. */
    public CachingClient build() {
      CacheConfig d = CacheConfig.defaults();
      CacheConfig config = new CacheConfig(
          prefixes != null ? prefixes : d.prefixes(),
          defaultConsistency != null ? defaultConsistency : d.defaultConsistency(),
          historyEvents != null ? historyEvents : d.historyEvents(),
          historyAge != null ? historyAge : d.historyAge(),
          consistentReadTimeout != null ? consistentReadTimeout : d.consistentReadTimeout(),
          d.requestTimeout(),
          pageBytes != null ? pageBytes : d.pageBytes(),
          d.firstPageLimit(),
          progressInterval != null ? progressInterval : d.progressInterval(),
          stallTimeout != null ? stallTimeout : d.stallTimeout(),
          d.reconnectBackoffMin(),
          d.reconnectBackoffMax(),
          d.progressRequestDelay(),
          watchProgressNotifyInterval != null ? watchProgressNotifyInterval : d.watchProgressNotifyInterval(),
          watcherQueueLimit != null ? watcherQueueLimit : d.watcherQueueLimit(),
          d.watchRegistrationTimeout(),
          d.watchReplayRevisions(),
          d.deliveryThreads(),
          consistencyCheckPeriod != null ? consistencyCheckPeriod : d.consistencyCheckPeriod(),
          historyBytes != null ? historyBytes : d.historyBytes(),
          memoryBudget != null ? memoryBudget : d.memoryBudget(),
          maxEntries != null ? maxEntries : d.maxEntries(),
          d.memoryRetry(),
          onDemand != null ? Optional.of(onDemand) : d.onDemand(),
          onDemandWait != null ? onDemandWait : d.onDemandWait(),
          executor != null ? executor : d.executor(),
          ticker != null ? ticker : d.ticker());
      StatsRecorder recorder = statsRecorder != null
          ? StatsRecorder.guarded(statsRecorder) : StatsRecorder.concurrent();
      return new CachingClient(client, config, recorder,
          adapterMetrics != null ? adapterMetrics : AdapterMetrics.noop(),
          openTelemetry != null ? Tracing.of(openTelemetry) : Tracing.disabled(), probeRange);
    }

    private static void checkUnset(Object value, String name) {
      if (value != null) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }

  /**
   * A {@link CacheStats} holding what is read from the cache rather than recorded (the gauges, and
   * the views' decode failures, which they count themselves), to add to the recorder's counters.
   */
  private static CacheStats gauges(long watchers, long upstreamStreams, long lag, long stalenessNanos,
      long oldestRevision, long historyEvents, long historySpanNanos, long entries, long bytes,
      long decodeFailures) {
    return new CacheStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, decodeFailures,
        watchers, upstreamStreams, lag, stalenessNanos, oldestRevision, historyEvents, historySpanNanos,
        entries, bytes, 0);
  }

  /** The watch hub's delivery threads: daemons, so a client left open does not keep the JVM up. */
  private static ExecutorService watchDeliveryPool(int threads) {
    AtomicLong n = new AtomicLong();
    return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "etcd-cache-watch-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The watch hub's progress timer. */
  private static ScheduledExecutorService applyThread() {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "etcd-cache-mirror");
      t.setDaemon(true);
      return t;
    });
  }

  private static ScheduledExecutorService watchTimer() {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "etcd-cache-watch-progress");
      t.setDaemon(true);
      return t;
    });
  }
}
