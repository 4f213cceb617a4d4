package dev.etcdcache.core.watch;

import dev.etcdcache.core.stats.StatsRecorder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The hub's monotonic counters, each also reported to the client's {@link StatsRecorder}: one
 * method per thing that happened, one getter per count.
 *
 * <p>Thread-safe.
 */
final class WatchCounters {

  private final StatsRecorder stats;
  private final LongAdder overflows = new LongAdder();
  private final LongAdder upstreamWatches = new LongAdder();
  private final LongAdder compactionCancels = new LongAdder();
  private final LongAdder rejoins = new LongAdder();
  private final LongAdder listenerFailures = new LongAdder();
  private final LongAdder slowInlineCalls = new LongAdder();

  WatchCounters(StatsRecorder stats) {
    this.stats = stats;
  }

  /** A client opened a watcher. */
  void watchOpened() {
    stats.recordWatch();
  }

  /** A watcher's queue overflowed; it will be caught up. */
  void overflowed() {
    overflows.increment();
    stats.recordWatcherCatchUp();
  }

  /** A watcher was given its own upstream watch. */
  void upstreamWatchOpened() {
    upstreamWatches.increment();
    stats.recordRpc(StatsRecorder.Rpc.WATCH_STREAM);
  }

  /** A watcher on its own upstream watch went back to the hub (the open streams gauge shows it). */
  void upstreamWatchRejoined() {
    rejoins.increment();
  }

  /** The hub ended a watcher with a compaction error. */
  void compactionCancelled() {
    compactionCancels.increment();
    stats.recordWatcherCancellation();
  }

  /** A listener callback threw. */
  void listenerFailed() {
    listenerFailures.increment();
    stats.recordListenerFailure();
  }

  /** An inline listener's callback ran longer than the inline budget. */
  void inlineListenerSlow(long nanos) {
    slowInlineCalls.increment();
    stats.recordSlowInlineListener(nanos);
  }

  long slowInlineCalls() {
    return slowInlineCalls.sum();
  }

  long overflows() {
    return overflows.sum();
  }

  long upstreamWatches() {
    return upstreamWatches.sum();
  }

  long rejoins() {
    return rejoins.sum();
  }

  long compactionCancels() {
    return compactionCancels.sum();
  }

  long listenerFailures() {
    return listenerFailures.sum();
  }
}
