package dev.etcdcache.core.stats;

import dev.etcdcache.api.CacheStats;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user-supplied {@link StatsRecorder} behind a guard: a recorder that throws must not fail a read,
 * stop the mirror's apply thread or a watcher. The first failure is logged with its stack trace;
 * later ones are dropped silently, since a broken recorder would otherwise log on every Get.
 */
final class GuardedStatsRecorder implements StatsRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(GuardedStatsRecorder.class);

  private final StatsRecorder delegate;
  private final AtomicBoolean warned = new AtomicBoolean();

  private GuardedStatsRecorder(StatsRecorder delegate) {
    this.delegate = delegate;
  }

  /** {@code recorder} guarded, unless it is one of ours, which never throw. */
  static StatsRecorder guard(StatsRecorder recorder) {
    if (recorder instanceof ConcurrentStatsRecorder || recorder instanceof DisabledStatsRecorder
        || recorder instanceof GuardedStatsRecorder) {
      return recorder;
    }
    return new GuardedStatsRecorder(recorder);
  }

  @Override
  public void recordGet(GetKind kind) {
    run(() -> delegate.recordGet(kind));
  }

  @Override
  public void recordServedFromMemory() {
    run(delegate::recordServedFromMemory);
  }

  @Override
  public void recordPassThrough(PassThroughReason reason) {
    run(() -> delegate.recordPassThrough(reason));
  }

  @Override
  public void recordRpc(Rpc rpc) {
    run(() -> delegate.recordRpc(rpc));
  }

  @Override
  public void recordConsistentReadWait(long nanos) {
    run(() -> delegate.recordConsistentReadWait(nanos));
  }

  @Override
  public void recordWatch() {
    run(delegate::recordWatch);
  }

  @Override
  public void recordEventsApplied(int count) {
    run(() -> delegate.recordEventsApplied(count));
  }

  @Override
  public void recordReconnect() {
    run(delegate::recordReconnect);
  }

  @Override
  public void recordRelist() {
    run(delegate::recordRelist);
  }

  @Override
  public void recordBootstrap(long nanos) {
    run(() -> delegate.recordBootstrap(nanos));
  }

  @Override
  public void recordWatcherCatchUp() {
    run(delegate::recordWatcherCatchUp);
  }

  @Override
  public void recordWatcherCancellation() {
    run(delegate::recordWatcherCancellation);
  }

  @Override
  public void recordListenerFailure() {
    run(delegate::recordListenerFailure);
  }

  @Override
  public void recordSlowInlineListener(long nanos) {
    run(() -> delegate.recordSlowInlineListener(nanos));
  }

  @Override
  public void recordAdapterDecodeFailure() {
    run(delegate::recordAdapterDecodeFailure);
  }

  @Override
  public CacheStats snapshot() {
    try {
      return delegate.snapshot();
    } catch (RuntimeException e) {
      warnOnce(e);
      return CacheStats.empty();
    }
  }

  private void run(Runnable record) {
    try {
      record.run();
    } catch (RuntimeException e) {
      warnOnce(e);
    }
  }

  private void warnOnce(RuntimeException e) {
    if (warned.compareAndSet(false, true)) {
      LOG.warn("the stats recorder {} threw; its failures are ignored from now on", delegate, e);
    }
  }
}
