package dev.etcdcache.metrics;

import dev.etcdcache.api.CacheStats;
import dev.etcdcache.core.stats.StatsRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StatsRecorder} that adds Micrometer timers with histograms where a total and a count are
 * not enough: the consistent-read wait ({@code etcd_cache_consistent_read_duration_seconds}, with a
 * percentile histogram, so p99 can be computed across instances) and the list or re-list duration
 * ({@code etcd_cache_bootstrap_seconds}). Counting is delegated to {@link StatsRecorder#concurrent()},
 * so {@code CachingClient.stats()} and {@link EtcdCacheMetrics} keep working unchanged.
 *
 * <pre>{@code
 * CachingClient client = CachingClient.builder(etcd)
 *     .statsRecorder(MicrometerStatsRecorder.create(registry, "orders"))
 *     .build();
 * EtcdCacheMetrics.monitor(registry, client, "orders");
 * }</pre>
 *
 * <p>Thread-safe; each record call is one {@code LongAdder} increment plus, for the two timed
 * events, one timer update.
 */
public final class MicrometerStatsRecorder implements StatsRecorder {

  private final StatsRecorder counts = StatsRecorder.concurrent();
  private final Timer consistentReads;
  private final Timer bootstraps;

  private MicrometerStatsRecorder(MeterRegistry registry, Iterable<Tag> tags) {
    this.consistentReads = Timer.builder("etcd.cache.consistent.read.duration")
        .description("linearizable Gets from arrival to answer")
        .publishPercentileHistogram()
        .tags(tags)
        .register(registry);
    this.bootstraps = Timer.builder("etcd.cache.bootstrap")
        .description("initial lists and re-lists of the mirrored ranges")
        .tags(tags)
        .register(registry);
  }

  /**
   * A recorder registering its timers in {@code registry}, tagged {@code cache=<name>} and {@code tags}
   * (key, value pairs). Use one per client.
   */
  public static MicrometerStatsRecorder create(MeterRegistry registry, String name, String... tags) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(name, "name");
    return new MicrometerStatsRecorder(registry, Tags.of(tags).and("cache", name));
  }

  @Override
  public void recordGet(GetKind kind) {
    counts.recordGet(kind);
  }

  @Override
  public void recordServedFromMemory() {
    counts.recordServedFromMemory();
  }

  @Override
  public void recordPassThrough(PassThroughReason reason) {
    counts.recordPassThrough(reason);
  }

  @Override
  public void recordRpc(Rpc rpc) {
    counts.recordRpc(rpc);
  }

  @Override
  public void recordConsistentReadWait(long nanos) {
    counts.recordConsistentReadWait(nanos);
    consistentReads.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void recordWatch() {
    counts.recordWatch();
  }

  @Override
  public void recordEventsApplied(int count) {
    counts.recordEventsApplied(count);
  }

  @Override
  public void recordReconnect() {
    counts.recordReconnect();
  }

  @Override
  public void recordRelist() {
    counts.recordRelist();
  }

  @Override
  public void recordBootstrap(long nanos) {
    counts.recordBootstrap(nanos);
    bootstraps.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void recordWatcherCatchUp() {
    counts.recordWatcherCatchUp();
  }

  @Override
  public void recordWatcherCancellation() {
    counts.recordWatcherCancellation();
  }

  @Override
  public void recordListenerFailure() {
    counts.recordListenerFailure();
  }

  @Override
  public void recordAdapterDecodeFailure() {
    counts.recordAdapterDecodeFailure();
  }

  @Override
  public CacheStats snapshot() {
    return counts.snapshot();
  }
}
