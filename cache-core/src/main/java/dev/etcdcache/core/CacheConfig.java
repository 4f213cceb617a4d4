package dev.etcdcache.core;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.api.Ticker;
import io.etcd.jetcd.ByteSequence;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Every setting of a {@link CachingClient} in one immutable value, and the one home of every
 * default ({@link #defaults()}). Built by {@link CachingClient.Builder}, whose setters say what each
 * setting means; no component of the engine holds a default of its own.
 *
 * @param prefixes the mirrored key prefixes; empty means the whole keyspace
 * @param defaultConsistency how a Get that is not marked serializable is served
 * @param historyEvents how many recent revisions (and watch events) are kept for reads at a
 *     revision and for watch replay; bounds the history's and the version window's length
 * @param historyAge how long recent revisions are kept; bounds the history's span in time
 * @param consistentReadTimeout how long a read waits for the mirror before going to etcd; bounds a
 *     linearizable read's extra latency when the mirror lags
 * @param requestTimeout how long the cache waits for a read it sends on its own behalf (a list
 *     page, a revision probe, a progress check) before giving up on it and retrying; bounds how
 *     long one hung RPC can hold up the mirror or the linearizable reads sharing a probe
 * @param pageBytes target size of one bootstrap Range page; bounds one list response (jetcd's
 *     inbound limit is 4 MiB)
 * @param firstPageLimit keys asked for in the first bootstrap page, before sizes are known
 * @param progressInterval silence after which the upstream watch asks etcd for progress; while idle and
 *     bounded-staleness reads are asking, the mirror also confirms itself current with one count-only
 *     linearizable Range per interval (one per 10 intervals without such readers)
 * @param stallTimeout silence after which the upstream watch is re-established
 * @param reconnectBackoffMin the first delay before re-establishing a failed upstream watch
 * @param reconnectBackoffMax the largest such delay, and the delay before retrying a failed list
 * @param progressRequestDelay how long a consistent read waits for events before asking etcd to
 *     confirm progress (revisions outside the mirrored ranges bring no events)
 * @param watchProgressNotifyInterval how often an idle watcher created with progressNotify gets a
 *     progress response until etcd's own {@code --experimental-watch-progress-notify-interval} has
 *     been observed on the mirror's upstream watch
 * @param watcherQueueLimit responses queued for one watcher (cache watch or typed-view watch)
 *     before it is marked lagging and caught up from history; bounds a slow listener's memory
 * @param watchRegistrationTimeout how long a new watcher may wait for the mirror to reach etcd's
 *     revision before it is served by its own upstream watch instead
 * @param watchReplayRevisions revisions replayed to a watcher in one response batch; bounds one
 *     replay response's size
 * @param deliveryThreads threads that run watch listeners; bounds how many listeners run at once
 * @param consistencyCheckPeriod how often the mirror is compared with etcd at one of its revisions
 *     (keys-only, no values; see {@link CachingClient.Builder#consistencyCheckPeriod});
 *     {@link Duration#ZERO} turns the continuous check off
 * @param historyBytes estimated bytes the replay history may hold, and (separately) the bytes the
 *     recent versions kept for reads at a revision may pin beyond the current one; bounds both
 *     alongside {@code historyEvents} and {@code historyAge}, whichever is reached first (large
 *     values rewritten often would otherwise keep {@code historyEvents} copies of themselves)
 * @param memoryBudget estimated bytes the whole cache (store, versions, history, views) may hold
 *     before it drops older versions and history and then degrades to etcd (see
 *     {@link CachingClient.Builder#memoryBudget}); 0 for no budget
 * @param maxEntries most keys the mirror holds before it degrades to etcd; 0 for no limit
 * @param memoryRetry how often a cache degraded under its memory limits asks etcd (one count-only
 *     Range per mirrored range) whether its ranges fit again
 * @param onDemand the prefixes mirrored on first read instead of at start (see
 *     {@link CachingClient.Builder#onDemand}); empty (the default) lists every mirrored range at start
 * @param onDemandWait how long the first readers of an on-demand prefix wait for its bootstrap
 *     before etcd answers them ({@link Duration#ZERO}: etcd answers them at once); bounds a first
 *     read's extra latency when the bootstrap is slow
 * @param executor where waiting reads complete
 * @param ticker the time source
 */
public record CacheConfig(
    List<ByteSequence> prefixes,
    ReadConsistency defaultConsistency,
    int historyEvents,
    Duration historyAge,
    Duration consistentReadTimeout,
    Duration requestTimeout,
    int pageBytes,
    int firstPageLimit,
    Duration progressInterval,
    Duration stallTimeout,
    Duration reconnectBackoffMin,
    Duration reconnectBackoffMax,
    Duration progressRequestDelay,
    Duration watchProgressNotifyInterval,
    int watcherQueueLimit,
    Duration watchRegistrationTimeout,
    int watchReplayRevisions,
    int deliveryThreads,
    Duration consistencyCheckPeriod,
    long historyBytes,
    long memoryBudget,
    long maxEntries,
    Duration memoryRetry,
    Optional<OnDemandPrefixes> onDemand,
    Duration onDemandWait,
    Executor executor,
    Ticker ticker) {

  /** Validates the settings. */
  public CacheConfig {
    prefixes = List.copyOf(prefixes);
    Objects.requireNonNull(defaultConsistency, "defaultConsistency");
    positive(historyAge, "historyAge");
    positive(consistentReadTimeout, "consistentReadTimeout");
    positive(requestTimeout, "requestTimeout");
    positive(progressInterval, "progressInterval");
    positive(stallTimeout, "stallTimeout");
    positive(reconnectBackoffMin, "reconnectBackoffMin");
    positive(reconnectBackoffMax, "reconnectBackoffMax");
    positive(progressRequestDelay, "progressRequestDelay");
    positive(watchProgressNotifyInterval, "watchProgressNotifyInterval");
    positive(watchRegistrationTimeout, "watchRegistrationTimeout");
    Objects.requireNonNull(consistencyCheckPeriod, "consistencyCheckPeriod");
    if (consistencyCheckPeriod.isNegative()) {
      throw new IllegalArgumentException("consistencyCheckPeriod must not be negative: " + consistencyCheckPeriod);
    }
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(ticker, "ticker");
    positive(memoryRetry, "memoryRetry");
    Objects.requireNonNull(onDemand, "onDemand");
    Objects.requireNonNull(onDemandWait, "onDemandWait");
    if (onDemandWait.isNegative()) {
      throw new IllegalArgumentException("onDemandWait must not be negative: " + onDemandWait);
    }
    if (onDemand.isPresent() && !prefixes.isEmpty()) {
      throw new IllegalArgumentException("set either prefixes or onDemand: on-demand prefixes are the mirrored ones");
    }
    if (onDemand.isPresent() && !consistencyCheckPeriod.isZero()) {
      throw new IllegalArgumentException("the continuous consistency check does not support on-demand prefixes yet");
    }
    if (historyBytes < 1) {
      throw new IllegalArgumentException("historyBytes must be positive: " + historyBytes);
    }
    if (memoryBudget < 0 || maxEntries < 0) {
      throw new IllegalArgumentException("memoryBudget and maxEntries must not be negative (0: no limit)");
    }
    if (historyEvents < 1) {
      throw new IllegalArgumentException("historyEvents must be positive: " + historyEvents);
    }
    if (pageBytes < 1024) {
      throw new IllegalArgumentException("pageBytes must be at least 1024: " + pageBytes);
    }
    if (firstPageLimit < 1 || watcherQueueLimit < 1 || watchReplayRevisions < 1 || deliveryThreads < 1) {
      throw new IllegalArgumentException(
          "firstPageLimit, watcherQueueLimit, watchReplayRevisions and deliveryThreads must be positive");
    }
    if (stallTimeout.compareTo(progressInterval) <= 0) {
      throw new IllegalArgumentException("stallTimeout must exceed progressInterval");
    }
    if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
      throw new IllegalArgumentException("reconnectBackoffMax must be at least reconnectBackoffMin");
    }
  }

  /**
   * The defaults: the whole keyspace, linearizable reads (etcd's default), 10,000 revisions or
   * 75 s of history (at least what the Kubernetes watch cache keeps), a 3 s consistent-read
   * timeout, 30 s for the cache's own requests, 3 MiB pages starting at 1,000 keys, progress asked after 2 s of silence and the
   * watch re-established after 15 s, reconnects backing off from 100 ms to 1 s (a failed attempt costs one
   * stream that fails at once; the cap bounds how long after etcd is reachable again the mirror
   * still waits), progress asked for
   * a waiting read after 20 ms, etcd's 10-minute progress-notify interval, 1,024 queued responses
   * per watcher, 10 s for a watcher's registration, replays of at most 1,000 revisions per
   * response, {@code max(4, 2 × cores)} delivery threads, no continuous consistency check,
   * 64 MiB of history (and 64 MiB pinned by recent versions), no memory budget and no limit on
   * keys, a degraded cache asking every 10 s whether it fits again, no on-demand prefixes (whose
   * first readers would wait up to 1 s for the prefix's bootstrap: at the ~300 ms a 10,000-key
   * prefix took on a loaded 2-core machine, prefixes of some 30,000 keys arrive within it), the
   * common fork-join pool and
   * the system ticker.
   *
   * <p>Why the consistency check is off by default: each round reads every mirrored key's
   * metadata from etcd (about a third of a full Range's bytes for small values, far less for large
   * ones), a cost an operator should choose knowingly; the README's rollout guide turns it on
   * (every 1–5 minutes) for the weeks a new deployment is proving itself.
   */
  public static CacheConfig defaults() {
    return new CacheConfig(List.of(), ReadConsistency.LINEARIZABLE, 10_000, Duration.ofSeconds(75),
        Duration.ofSeconds(3), Duration.ofSeconds(30), 3 << 20, 1000, Duration.ofSeconds(2), Duration.ofSeconds(15),
        Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMillis(20), Duration.ofMinutes(10),
        1024, Duration.ofSeconds(10), 1000, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
        Duration.ZERO, 64L << 20, 0, 0, Duration.ofSeconds(10), Optional.empty(), Duration.ofSeconds(1),
        ForkJoinPool.commonPool(), Ticker.systemTicker());
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
