package dev.etcdcache.core.stats;

import dev.etcdcache.api.CacheStats;
import java.util.concurrent.atomic.LongAdder;

/**
 * The default {@link StatsRecorder}: one {@link LongAdder} per counter, so concurrent Gets on many
 * cores never contend on one cache line. A snapshot sums each adder; counters recorded during the
 * snapshot may or may not be in it, and two counters may be read a moment apart.
 */
final class ConcurrentStatsRecorder implements StatsRecorder {

  private final LongAdder[] gets = adders(GetKind.values().length);
  private final LongAdder[] passThroughs = adders(PassThroughReason.values().length);
  private final LongAdder[] rpcs = adders(Rpc.values().length);
  private final LongAdder servedFromMemory = new LongAdder();
  private final LongAdder waitNanos = new LongAdder();
  private final LongAdder waits = new LongAdder();
  private final LongAdder watches = new LongAdder();
  private final LongAdder eventsApplied = new LongAdder();
  private final LongAdder reconnects = new LongAdder();
  private final LongAdder relists = new LongAdder();
  private final LongAdder catchUps = new LongAdder();
  private final LongAdder cancellations = new LongAdder();
  private final LongAdder listenerFailures = new LongAdder();
  private final LongAdder decodeFailures = new LongAdder();
  private volatile long lastBootstrapNanos;

  @Override
  public void recordGet(GetKind kind) {
    gets[kind.ordinal()].increment();
  }

  @Override
  public void recordServedFromMemory() {
    servedFromMemory.increment();
  }

  @Override
  public void recordPassThrough(PassThroughReason reason) {
    passThroughs[reason.ordinal()].increment();
  }

  @Override
  public void recordRpc(Rpc rpc) {
    rpcs[rpc.ordinal()].increment();
  }

  @Override
  public void recordConsistentReadWait(long nanos) {
    waitNanos.add(Math.max(0, nanos));
    waits.increment();
  }

  @Override
  public void recordWatch() {
    watches.increment();
  }

  @Override
  public void recordEventsApplied(int count) {
    eventsApplied.add(count);
  }

  @Override
  public void recordReconnect() {
    reconnects.increment();
  }

  @Override
  public void recordRelist() {
    relists.increment();
  }

  @Override
  public void recordBootstrap(long nanos) {
    lastBootstrapNanos = Math.max(0, nanos);
  }

  @Override
  public void recordWatcherCatchUp() {
    catchUps.increment();
  }

  @Override
  public void recordWatcherCancellation() {
    cancellations.increment();
  }

  @Override
  public void recordListenerFailure() {
    listenerFailures.increment();
  }

  @Override
  public void recordAdapterDecodeFailure() {
    decodeFailures.increment();
  }

  @Override
  public CacheStats snapshot() {
    return new CacheStats(
        sum(gets, GetKind.SERIALIZABLE), sum(gets, GetKind.LINEARIZABLE), sum(gets, GetKind.BOUNDED_STALENESS),
        sum(gets, GetKind.AT_REVISION), watches.sum(),
        servedFromMemory.sum(),
        sum(passThroughs, PassThroughReason.NOT_READY), sum(passThroughs, PassThroughReason.NOT_COVERED),
        sum(passThroughs, PassThroughReason.REVISION_NOT_HELD), sum(passThroughs, PassThroughReason.TIMEOUT),
        sum(rpcs, Rpc.PROBE), sum(rpcs, Rpc.WATCH_PROBE), sum(rpcs, Rpc.PASS_THROUGH_RANGE),
        sum(rpcs, Rpc.BOOTSTRAP_RANGE), sum(rpcs, Rpc.PROGRESS_CHECK), sum(rpcs, Rpc.WATCH_STREAM),
        sum(rpcs, Rpc.PROGRESS_REQUEST),
        eventsApplied.sum(), reconnects.sum(), relists.sum(),
        catchUps.sum(), cancellations.sum(), listenerFailures.sum(),
        waitNanos.sum(), waits.sum(), decodeFailures.sum(),
        // gauges: read from the cache by CachingClient.stats(), except the last bootstrap
        0, 0, 0, 0, 0, 0, 0, 0, 0, lastBootstrapNanos);
  }

  private static long sum(LongAdder[] adders, Enum<?> which) {
    return adders[which.ordinal()].sum();
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }
}
