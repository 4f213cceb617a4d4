package dev.etcdcache.core.stats;

import dev.etcdcache.api.CacheStats;

/**
 * Receives what a {@link CachingClient} does, as it happens, and hands back the counters as a
 * {@link CacheStats} snapshot. The cache calls it on its hot paths (every Get), on the mirror's
 * apply thread and on gRPC threads, so implementations must be thread-safe, must not block and
 * should cost a few nanoseconds per call.
 *
 * <p>{@link #concurrent()} (the default, {@code LongAdder}s) and {@link #disabled()} cover most
 * needs; a metrics library may supply its own (timers, histograms) by delegating the counting to
 * {@link #concurrent()}. A recorder given to {@link CachingClient.Builder#statsRecorder} is
 * guarded: an exception it throws is logged once and otherwise ignored, never failing a read or
 * stopping the mirror. The gauges of {@link CacheStats} (watchers, lag, store size...) are read
 * from the cache when {@link CachingClient#stats()} is called, not recorded here.
 *
 * <p>Which call moves which counter is listed in {@link CacheStats}.
 */
public interface StatsRecorder {

  /** How a Get was asked to be served; each Get is recorded as exactly one kind. */
  enum GetKind {
    /** Served from the latest applied version. */
    SERIALIZABLE,
    /** Served after learning etcd's revision. */
    LINEARIZABLE,
    /** Served at once while fresh enough, as linearizable otherwise. */
    BOUNDED_STALENESS,
    /** A Get with an explicit revision. */
    AT_REVISION
  }

  /** Why a Get was sent to etcd instead of being served from memory. */
  enum PassThroughReason {
    /** The mirror had no snapshot yet. */
    NOT_READY,
    /** The key range lies outside the mirrored prefixes, or the key is empty. */
    NOT_COVERED,
    /** The revision asked for is no longer held in memory. */
    REVISION_NOT_HELD,
    /** The mirror did not reach etcd's revision within the consistent-read timeout. */
    TIMEOUT
  }

  /** A request the cache sent to etcd. */
  enum Rpc {
    /** Count-only Range learning etcd's revision for a read. */
    PROBE,
    /** Count-only Range learning etcd's revision (or compaction) for a watch registration. */
    WATCH_PROBE,
    /** Range sent for a passed-through Get. */
    PASS_THROUGH_RANGE,
    /** One page of the initial list or of a re-list. */
    BOOTSTRAP_RANGE,
    /**
     * Range checking a progress notification against etcd, or the idle mirror's count-only
     * linearizable Range confirming it current for bounded-staleness reads.
     */
    PROGRESS_CHECK,
    /** An upstream watch stream opened (the mirror's, or a watcher's own). */
    WATCH_STREAM,
    /** A progress request on the mirror's upstream watch. */
    PROGRESS_REQUEST
  }

  /** A Get arrived. */
  void recordGet(GetKind kind);

  /** A Get was answered from memory. */
  void recordServedFromMemory();

  /** A Get was sent to etcd. */
  void recordPassThrough(PassThroughReason reason);

  /** A request was sent to etcd. */
  void recordRpc(Rpc rpc);

  /** A linearizable Get was answered {@code nanos} after it arrived. */
  void recordConsistentReadWait(long nanos);

  /** A client watcher was asked for. */
  void recordWatch();

  /** The mirror applied {@code count} events. */
  void recordEventsApplied(int count);

  /** The mirror's upstream watch failed while connected and will be re-established. */
  void recordReconnect();

  /** The mirror re-listed its ranges. */
  void recordRelist();

  /** An initial list or re-list took {@code nanos}. */
  void recordBootstrap(long nanos);

  /** A slow watcher's queue overflowed; it will be caught up. */
  void recordWatcherCatchUp();

  /** The cache ended a watcher with a compaction error. */
  void recordWatcherCancellation();

  /** A watch listener callback threw. */
  void recordListenerFailure();

  /** An adapter could not decode a value. */
  void recordAdapterDecodeFailure();

  /**
   * A callback of an inline watch listener (run on the mirror's apply thread) took {@code nanos},
   * longer than its 1 ms budget; the mirror applied nothing meanwhile. Not in {@link #snapshot()}:
   * the count is {@code CachingWatch.slowInlineCalls()}; a recorder that exports meters may count
   * it. Does nothing by default.
   */
  default void recordSlowInlineListener(long nanos) {}

  /**
   * The counters recorded so far; gauges are 0 except {@link CacheStats#lastBootstrapNanos()}.
   * A disabled recorder returns {@link CacheStats#empty()}.
   */
  CacheStats snapshot();

  /** A recorder of cheap, contention-free counters ({@code LongAdder}s); the default. */
  static StatsRecorder concurrent() {
    return new ConcurrentStatsRecorder();
  }

  /** A recorder that records nothing and whose snapshot is always empty. */
  static StatsRecorder disabled() {
    return DisabledStatsRecorder.INSTANCE;
  }

  /**
   * {@code recorder} behind a guard: an exception it throws is logged once and never reaches the
   * cache. The client wraps every user-supplied recorder this way.
   */
  static StatsRecorder guarded(StatsRecorder recorder) {
    return GuardedStatsRecorder.guard(recorder);
  }
}
