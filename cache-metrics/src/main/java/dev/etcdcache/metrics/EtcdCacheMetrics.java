package dev.etcdcache.metrics;

import dev.etcdcache.api.CacheStats;
import dev.etcdcache.api.CacheStatus;
import dev.etcdcache.core.CachingClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Binds a {@link CachingClient}'s {@link CachingClient#stats()} and {@link CachingClient#status()}
 * to a Micrometer registry as function counters and gauges read at scrape time: nothing is pushed
 * and the read path is not touched, so binding costs nothing between scrapes.
 *
 * <pre>{@code
 * CachingClient client = EtcdCacheMetrics.monitor(registry, CachingClient.builder(etcd).build(), "orders");
 * }</pre>
 *
 * <p>Every meter carries the tag {@code cache=<name>} plus the given tags. Names below are as
 * Prometheus renders them (Micrometer's dotted names, base unit and {@code _total} suffix):
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>etcd_cache_requests_total</td><td>counter</td><td>operation=get|watch,
 *       consistency=serializable|linearizable|bounded_staleness|at_revision|none</td><td>requests</td></tr>
 *   <tr><td>etcd_cache_get_results_total</td><td>counter</td><td>outcome=memory|etcd,
 *       reason=served|not_ready|not_covered|revision_not_held|timeout</td><td>where Gets were answered
 *       and why they went to etcd</td></tr>
 *   <tr><td>etcd_cache_upstream_requests_total</td><td>counter</td><td>kind=probe|watch_probe|pass_through_range|
 *       bootstrap_range|progress_check|watch_stream|progress_request</td><td>requests sent to etcd</td></tr>
 *   <tr><td>etcd_cache_events_applied_total</td><td>counter</td><td></td><td>events applied to the mirror</td></tr>
 *   <tr><td>etcd_cache_recoveries_total</td><td>counter</td><td>kind=reconnect|relist</td><td>upstream watch
 *       reconnects and re-lists</td></tr>
 *   <tr><td>etcd_cache_slow_watchers_total</td><td>counter</td><td>action=catch_up|cancel</td><td>slow-watcher
 *       catch-ups and watchers ended with a compaction error</td></tr>
 *   <tr><td>etcd_cache_watch_listener_failures_total</td><td>counter</td><td></td><td>listener callbacks that
 *       threw</td></tr>
 *   <tr><td>etcd_cache_adapter_decode_failures_total</td><td>counter</td><td></td><td>values an adapter could not
 *       decode</td></tr>
 *   <tr><td>etcd_cache_consistent_read_wait_seconds</td><td>function timer (count, sum)</td><td></td><td>wait of
 *       linearizable Gets from arrival to answer</td></tr>
 *   <tr><td>etcd_cache_watchers</td><td>gauge</td><td></td><td>client watchers open</td></tr>
 *   <tr><td>etcd_cache_upstream_watch_streams</td><td>gauge</td><td></td><td>upstream watch streams open</td></tr>
 *   <tr><td>etcd_cache_apply_lag_revisions</td><td>gauge</td><td></td><td>newest etcd revision seen minus applied
 *       revision</td></tr>
 *   <tr><td>etcd_cache_staleness_seconds</td><td>gauge</td><td></td><td>since the mirror was last confirmed
 *       current</td></tr>
 *   <tr><td>etcd_cache_history_oldest_revision</td><td>gauge</td><td></td><td>oldest revision a watcher can replay
 *       from</td></tr>
 *   <tr><td>etcd_cache_history_events</td><td>gauge</td><td></td><td>events held for replay</td></tr>
 *   <tr><td>etcd_cache_history_span_seconds</td><td>gauge</td><td></td><td>age of the oldest held event</td></tr>
 *   <tr><td>etcd_cache_entries</td><td>gauge</td><td></td><td>keys in the store</td></tr>
 *   <tr><td>etcd_cache_estimated_size_bytes</td><td>gauge</td><td></td><td>approximate heap of the store</td></tr>
 *   <tr><td>etcd_cache_retained_bytes</td><td>gauge</td><td>{@code component}: store, versions, history,
 *       views</td><td>estimated heap the cache retains, by part ({@code CacheMemory}); their sum is the
 *       figure held to the memory budget</td></tr>
 *   <tr><td>etcd_cache_memory_budget_bytes</td><td>gauge</td><td></td><td>the memory budget (0: none)</td></tr>
 *   <tr><td>etcd_cache_max_entries</td><td>gauge</td><td></td><td>the most keys the mirror holds (0: no
 *       limit)</td></tr>
 *   <tr><td>etcd_cache_degraded</td><td>gauge</td><td></td><td>1 while the cache serves from etcd to stay within
 *       its memory limits (why: {@code status().memory().degradedReason()} and the log)</td></tr>
 *   <tr><td>etcd_cache_degradations_total</td><td>counter</td><td></td><td>times the cache degraded under its
 *       memory limits</td></tr>
 *   <tr><td>etcd_cache_degraded_reads_total</td><td>counter</td><td></td><td>reads sent to etcd because the cache
 *       was degraded</td></tr>
 *   <tr><td>etcd_cache_bootstrap_duration_seconds</td><td>gauge</td><td></td><td>last initial list or re-list</td></tr>
 *   <tr><td>etcd_cache_applied_revision</td><td>gauge</td><td></td><td>revision the mirror has applied</td></tr>
 *   <tr><td>etcd_cache_ready</td><td>gauge</td><td></td><td>1 when reads are served from memory</td></tr>
 *   <tr><td>etcd_cache_connected</td><td>gauge</td><td></td><td>1 while the upstream watch is established</td></tr>
 *   <tr><td>etcd_cache_etcd_load_reduction_ratio</td><td>gauge</td><td></td><td>share of Gets that cost etcd no
 *       Range ({@link CacheStats#etcdLoadReduction()})</td></tr>
 *   <tr><td>etcd_cache_watch_reduction_ratio</td><td>gauge</td><td></td><td>client watchers per upstream stream
 *       ({@link CacheStats#watchReductionRatio()})</td></tr>
 * </table>
 *
 * <p>Adapters' own meters ({@code etcd_cache_adapter_<adapter>_...}) are registered by
 * {@link MicrometerAdapterMetrics}, set on the client's builder, under the same {@code cache} tag.
 *
 * <p>The client is held by weak reference, as Micrometer's own cache binders hold caches: binding
 * does not keep a discarded client alive, and its meters then read NaN (gauges) or their last value
 * (counters). Each meter takes its own {@link CachingClient#stats()} snapshot at scrape time, so
 * values of one scrape may be a moment apart. Thread-safe.
 */
public final class EtcdCacheMetrics implements MeterBinder {

  private final WeakReference<CachingClient> clientRef;
  private final Iterable<Tag> tags;

  /**
   * A binder for {@code client}, tagged {@code cache=<name>} and {@code tags}.
   *
   * @throws NullPointerException if an argument is null
   */
  public EtcdCacheMetrics(CachingClient client, String name, Iterable<Tag> tags) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tags, "tags");
    this.clientRef = new WeakReference<>(client);
    this.tags = Tags.concat(tags, "cache", name);
  }

  /**
   * Binds {@code client} to {@code registry} and returns the same client, unwrapped.
   *
   * @param tags extra tags as key, value pairs
   */
  public static CachingClient monitor(MeterRegistry registry, CachingClient client, String name, String... tags) {
    return monitor(registry, client, name, Tags.of(tags));
  }

  /** Binds {@code client} to {@code registry} and returns the same client, unwrapped. */
  public static CachingClient monitor(MeterRegistry registry, CachingClient client, String name,
      Iterable<Tag> tags) {
    new EtcdCacheMetrics(client, name, tags).bindTo(registry);
    return client;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    CachingClient client = clientRef.get();
    if (client == null) {
      return;
    }
    bindRequests(registry, client);
    bindUpstream(registry, client);
    bindMirrorAndWatchers(registry, client);
    bindGauges(registry, client);
    ConsistencyMeters.bind(registry, client, tags);
    OnDemandMeters.bind(registry, client, tags);
  }

  private void bindRequests(MeterRegistry registry, CachingClient client) {
    counter(registry, client, "etcd.cache.requests", "requests the cache received",
        CacheStats::serializableGets, "operation", "get", "consistency", "serializable");
    counter(registry, client, "etcd.cache.requests", "requests the cache received",
        CacheStats::linearizableGets, "operation", "get", "consistency", "linearizable");
    counter(registry, client, "etcd.cache.requests", "requests the cache received",
        CacheStats::boundedStalenessGets, "operation", "get", "consistency", "bounded_staleness");
    counter(registry, client, "etcd.cache.requests", "requests the cache received",
        CacheStats::atRevisionGets, "operation", "get", "consistency", "at_revision");
    counter(registry, client, "etcd.cache.requests", "requests the cache received",
        CacheStats::watchRequests, "operation", "watch", "consistency", "none");

    String results = "etcd.cache.get.results";
    String help = "where Gets were answered, and why they went to etcd";
    counter(registry, client, results, help, CacheStats::servedFromMemory, "outcome", "memory", "reason", "served");
    counter(registry, client, results, help, CacheStats::passedThroughNotReady,
        "outcome", "etcd", "reason", "not_ready");
    counter(registry, client, results, help, CacheStats::passedThroughNotCovered,
        "outcome", "etcd", "reason", "not_covered");
    counter(registry, client, results, help, CacheStats::passedThroughRevisionNotHeld,
        "outcome", "etcd", "reason", "revision_not_held");
    counter(registry, client, results, help, CacheStats::passedThroughTimeout,
        "outcome", "etcd", "reason", "timeout");

    FunctionTimer.builder("etcd.cache.consistent.read.wait", client,
            c -> c.stats().consistentReadWaits(), c -> c.stats().consistentReadWaitNanos(), TimeUnit.NANOSECONDS)
        .description("wait of linearizable Gets from arrival to answer")
        .tags(tags)
        .register(registry);
  }

  private void bindUpstream(MeterRegistry registry, CachingClient client) {
    String name = "etcd.cache.upstream.requests";
    String help = "requests the cache sent to etcd";
    counter(registry, client, name, help, CacheStats::probeRpcs, "kind", "probe");
    counter(registry, client, name, help, CacheStats::watchProbeRpcs, "kind", "watch_probe");
    counter(registry, client, name, help, CacheStats::passThroughRpcs, "kind", "pass_through_range");
    counter(registry, client, name, help, CacheStats::bootstrapRpcs, "kind", "bootstrap_range");
    counter(registry, client, name, help, CacheStats::progressCheckRpcs, "kind", "progress_check");
    counter(registry, client, name, help, CacheStats::watchStreamsOpened, "kind", "watch_stream");
    counter(registry, client, name, help, CacheStats::progressRequests, "kind", "progress_request");
  }

  private void bindMirrorAndWatchers(MeterRegistry registry, CachingClient client) {
    counter(registry, client, "etcd.cache.events.applied", "events applied to the mirror",
        CacheStats::eventsApplied);
    counter(registry, client, "etcd.cache.recoveries", "upstream watch reconnects and re-lists",
        CacheStats::reconnects, "kind", "reconnect");
    counter(registry, client, "etcd.cache.recoveries", "upstream watch reconnects and re-lists",
        CacheStats::relists, "kind", "relist");
    counter(registry, client, "etcd.cache.slow.watchers", "slow-watcher catch-ups and cancellations",
        CacheStats::watcherCatchUps, "action", "catch_up");
    counter(registry, client, "etcd.cache.slow.watchers", "slow-watcher catch-ups and cancellations",
        CacheStats::watcherCancellations, "action", "cancel");
    counter(registry, client, "etcd.cache.watch.listener.failures", "watch listener callbacks that threw",
        CacheStats::listenerFailures);
    counter(registry, client, "etcd.cache.adapter.decode.failures", "values an adapter could not decode",
        CacheStats::adapterDecodeFailures);
  }

  private void bindGauges(MeterRegistry registry, CachingClient client) {
    gauge(registry, client, "etcd.cache.watchers", null, "client watchers open", c -> c.stats().watchers());
    gauge(registry, client, "etcd.cache.upstream.watch.streams", null, "upstream watch streams open",
        c -> c.stats().upstreamWatchStreams());
    gauge(registry, client, "etcd.cache.apply.lag", "revisions", "newest etcd revision seen minus applied revision",
        c -> c.stats().applyLagRevisions());
    gauge(registry, client, "etcd.cache.staleness", "seconds", "time since the mirror was last confirmed current",
        c -> seconds(c.stats().stalenessNanos()));
    gauge(registry, client, "etcd.cache.history.oldest.revision", null, "oldest revision a watcher can replay from",
        c -> c.stats().historyOldestRevision());
    gauge(registry, client, "etcd.cache.history.events", null, "events held for watch replay",
        c -> c.stats().historyEvents());
    gauge(registry, client, "etcd.cache.history.span", "seconds", "age of the oldest event held for replay",
        c -> seconds(c.stats().historySpanNanos()));
    gauge(registry, client, "etcd.cache.entries", null, "keys in the store", c -> c.stats().entries());
    gauge(registry, client, "etcd.cache.estimated.size", "bytes", "approximate heap held by the store",
        c -> c.stats().estimatedBytes());
    memoryGauge(registry, client, "store", m -> m.storeBytes());
    memoryGauge(registry, client, "versions", m -> m.versionBytes());
    memoryGauge(registry, client, "history", m -> m.historyBytes());
    memoryGauge(registry, client, "views", m -> m.viewBytes());
    gauge(registry, client, "etcd.cache.memory.budget", "bytes", "the memory budget (0: none)",
        c -> c.memory().budgetBytes());
    gauge(registry, client, "etcd.cache.max.entries", null, "the most keys the mirror holds (0: no limit)",
        c -> c.memory().maxEntries());
    gauge(registry, client, "etcd.cache.degraded", null,
        "1 while the cache serves from etcd to stay within its memory limits", c -> c.memory().degraded() ? 1 : 0);
    FunctionCounter.builder("etcd.cache.degradations", client, c -> c.memory().degradations())
        .description("times the cache degraded under its memory limits")
        .tags(tags)
        .register(registry);
    FunctionCounter.builder("etcd.cache.degraded.reads", client, c -> c.memory().degradedReads())
        .description("reads sent to etcd because the cache was degraded")
        .tags(tags)
        .register(registry);
    gauge(registry, client, "etcd.cache.bootstrap.duration", "seconds", "duration of the last list or re-list",
        c -> seconds(c.stats().lastBootstrapNanos()));
    gauge(registry, client, "etcd.cache.applied.revision", null, "revision the mirror has applied",
        c -> c.status().appliedRevision());
    gauge(registry, client, "etcd.cache.ready", null, "1 when reads are served from memory",
        c -> flag(c.status(), CacheStatus::ready));
    gauge(registry, client, "etcd.cache.connected", null, "1 while the upstream watch is established",
        c -> flag(c.status(), CacheStatus::connected));
    gauge(registry, client, "etcd.cache.etcd.load.reduction", "ratio",
        "share of Gets that cost etcd no Range RPC", c -> c.stats().etcdLoadReduction());
    gauge(registry, client, "etcd.cache.watch.reduction", "ratio", "client watchers per upstream watch stream",
        c -> c.stats().watchReductionRatio());
  }

  private void counter(MeterRegistry registry, CachingClient client, String name, String help,
      ToLongFunction<CacheStats> value, String... extraTags) {
    FunctionCounter.builder(name, client, c -> value.applyAsLong(c.stats()))
        .description(help)
        .tags(tags)
        .tags(extraTags)
        .register(registry);
  }

  private void gauge(MeterRegistry registry, CachingClient client, String name, String baseUnit, String help,
      ToDoubleFunction<CachingClient> value) {
    Gauge.builder(name, client, value)
        .description(help)
        .baseUnit(baseUnit)
        .tags(tags)
        .register(registry);
  }

  /** One part of the retained-bytes estimate, tagged by {@code component}. */
  private void memoryGauge(MeterRegistry registry, CachingClient client, String component,
      ToLongFunction<dev.etcdcache.api.CacheMemory> part) {
    Gauge.builder("etcd.cache.retained", client, c -> part.applyAsLong(c.memory()))
        .description("estimated heap the cache retains, by part")
        .baseUnit("bytes")
        .tags(tags)
        .tag("component", component)
        .register(registry);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double flag(CacheStatus status, java.util.function.Predicate<CacheStatus> test) {
    return test.test(status) ? 1 : 0;
  }
}
