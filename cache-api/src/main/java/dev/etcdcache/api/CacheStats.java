package dev.etcdcache.api;

/**
 * What a cache has done since it was built (monotonic counters) and what it holds now (gauges), as
 * one immutable snapshot. Take one with {@code CachingClient.stats()}; subtract an earlier one with
 * {@link #minus} to get what happened in between.
 *
 * <h2>Which operation moves which counter</h2>
 * <ul>
 *   <li>A Get through the caching KV adds one to exactly one of {@link #serializableGets()},
 *       {@link #linearizableGets()}, {@link #boundedStalenessGets()} (by the consistency it was
 *       served at) or {@link #atRevisionGets()} (a Get with a revision, whatever its consistency).
 *       Once the cache decides where it is answered it adds one to {@link #servedFromMemory()} or
 *       to exactly one pass-through reason: {@link #passedThroughNotReady()} (the mirror had no snapshot yet),
 *       {@link #passedThroughNotCovered()} (range outside the mirrored prefixes, or an empty key),
 *       {@link #passedThroughRevisionNotHeld()} (a revision the mirror no longer holds), or
 *       {@link #passedThroughTimeout()} (the mirror did not reach etcd's revision within the
 *       consistent-read timeout). A Get that fails before that (etcd's error for a compacted
 *       revision, an unreachable etcd during the revision probe) counts its request and no
 *       outcome, so {@code gets() - servedFromMemory() - passedThrough()} is the failed ones plus
 *       those in flight.</li>
 *   <li>A linearizable Get, and a bounded-staleness Get served as linearizable, adds its wait, from
 *       arrival to answer, to {@link #consistentReadWaitNanos()} and one to
 *       {@link #consistentReadWaits()}.</li>
 *   <li>{@code watch(...)} on the caching Watch adds one to {@link #watchRequests()}.</li>
 *   <li>Upstream traffic, one per request sent to etcd: {@link #probeRpcs()} (count-only Range
 *       learning etcd's revision for reads; shared by concurrent reads), {@link #watchProbeRpcs()}
 *       (the same for watch registration), {@link #passThroughRpcs()} (Ranges for passed-through
 *       Gets; identical concurrent ones share one), {@link #bootstrapRpcs()} (pages of the initial
 *       list and re-lists), {@link #progressCheckRpcs()} (Ranges checking a progress notification, and the idle freshness probe),
 *       {@link #watchStreamsOpened()} (the mirror's watch, each re-open, and each watcher given its
 *       own upstream watch), {@link #progressRequests()} (progress requests on the mirror's
 *       watch).</li>
 *   <li>The mirror: {@link #eventsApplied()} per event applied from the upstream watch (events
 *       outside the mirrored prefixes are not counted); {@link #reconnects()} per upstream watch
 *       failure followed by a reconnect; {@link #relists()} per re-list after a compaction.</li>
 *   <li>The watch hub: {@link #watcherCatchUps()} per queue overflow of a slow watcher (it is then
 *       caught up from the history or its own upstream watch); {@link #watcherCancellations()} per
 *       watcher the cache ended with a compaction error after a re-list;
 *       {@link #listenerFailures()} per listener callback that threw.</li>
 *   <li>{@link #adapterDecodeFailures()}: values a typed view's adapter could not decode (or whose
 *       filter or index functions threw), summed over the client's views.</li>
 * </ul>
 *
 * <h2>Gauges</h2>
 * {@link #watchers()} open client watchers, {@link #upstreamWatchStreams()} upstream watch streams
 * open for them (the mirror's one plus watchers on their own), {@link #applyLagRevisions()}
 * (the newest etcd revision the cache has seen in a response minus the applied revision),
 * {@link #stalenessNanos()} (time since the mirror was last confirmed current), the replay history
 * ({@link #historyOldestRevision()}, {@link #historyEvents()}, {@link #historySpanNanos()}), the
 * store ({@link #entries()}, {@link #estimatedBytes()}) and {@link #lastBootstrapNanos()}. Before
 * the mirror is ready every gauge is 0.
 *
 * <p>Immutable and thread-safe; every component is non-negative. Counters of one cache never
 * decrease.
 *
 * @param serializableGets Gets served at serializable consistency
 * @param linearizableGets Gets served at linearizable consistency
 * @param boundedStalenessGets Gets served at bounded staleness
 * @param atRevisionGets Gets at an explicit revision
 * @param watchRequests watch calls
 * @param servedFromMemory Gets answered from memory
 * @param passedThroughNotReady Gets sent to etcd because the mirror was not ready
 * @param passedThroughNotCovered Gets sent to etcd because the range is not mirrored
 * @param passedThroughRevisionNotHeld Gets sent to etcd because the revision is no longer held
 * @param passedThroughTimeout Gets sent to etcd after the consistent-read timeout
 * @param probeRpcs count-only Ranges sent to learn etcd's revision for reads
 * @param watchProbeRpcs count-only Ranges sent to learn etcd's revision for watch registration
 * @param passThroughRpcs Ranges sent for passed-through Gets
 * @param bootstrapRpcs Range pages of the initial list and re-lists
 * @param progressCheckRpcs Ranges sent to check progress notifications, and count-only linearizable Ranges
 *     confirming an idle mirror current for bounded-staleness reads
 * @param watchStreamsOpened upstream watch streams opened
 * @param progressRequests progress requests sent on the mirror's watch
 * @param eventsApplied events applied to the mirror
 * @param reconnects upstream watch re-establishments after a failure
 * @param relists re-lists after a compaction
 * @param watcherCatchUps slow-watcher queue overflows
 * @param watcherCancellations watchers ended with a compaction error by the cache
 * @param listenerFailures watch listener callbacks that threw
 * @param consistentReadWaitNanos total wait of linearizable Gets, in nanoseconds
 * @param consistentReadWaits linearizable Gets whose wait is in the total
 * @param adapterDecodeFailures values an adapter failed to decode
 * @param watchers client watchers open now (gauge)
 * @param upstreamWatchStreams upstream watch streams open now (gauge)
 * @param applyLagRevisions newest etcd revision seen minus the applied revision (gauge)
 * @param stalenessNanos nanoseconds since the mirror was last confirmed current (gauge)
 * @param historyOldestRevision oldest revision a watcher can be replayed from (gauge)
 * @param historyEvents events held in the replay history (gauge)
 * @param historySpanNanos age of the oldest event in the replay history (gauge)
 * @param entries keys in the store (gauge)
 * @param estimatedBytes approximate heap held by the store: key and value bytes plus
 *     {@link #ENTRY_OVERHEAD_BYTES} per entry (gauge)
 * @param lastBootstrapNanos duration of the last initial list or re-list (gauge)
 */
public record CacheStats(
    long serializableGets,
    long linearizableGets,
    long boundedStalenessGets,
    long atRevisionGets,
    long watchRequests,
    long servedFromMemory,
    long passedThroughNotReady,
    long passedThroughNotCovered,
    long passedThroughRevisionNotHeld,
    long passedThroughTimeout,
    long probeRpcs,
    long watchProbeRpcs,
    long passThroughRpcs,
    long bootstrapRpcs,
    long progressCheckRpcs,
    long watchStreamsOpened,
    long progressRequests,
    long eventsApplied,
    long reconnects,
    long relists,
    long watcherCatchUps,
    long watcherCancellations,
    long listenerFailures,
    long consistentReadWaitNanos,
    long consistentReadWaits,
    long adapterDecodeFailures,
    long watchers,
    long upstreamWatchStreams,
    long applyLagRevisions,
    long stalenessNanos,
    long historyOldestRevision,
    long historyEvents,
    long historySpanNanos,
    long entries,
    long estimatedBytes,
    long lastBootstrapNanos) {

  /**
   * Heap a stored entry takes beyond its key and value bytes, as counted in
   * {@link #estimatedBytes()}: two array headers, 32 bytes of revisions, version and lease, and
   * the entry's share of the B+tree (about 10 bytes), measured with JOL at 1M keys.
   */
  public static final long ENTRY_OVERHEAD_BYTES = 74;

  private static final int COMPONENTS = 36;
  /** Index of the first gauge in {@link #values()}; everything before it is a counter. */
  private static final int FIRST_GAUGE = 26;
  private static final CacheStats EMPTY = of(new long[COMPONENTS]);

  /**
   * Validates the values.
   *
   * @throws IllegalArgumentException if any value is negative
   */
  public CacheStats {
    long[] all = {serializableGets, linearizableGets, boundedStalenessGets, atRevisionGets, watchRequests,
        servedFromMemory, passedThroughNotReady, passedThroughNotCovered, passedThroughRevisionNotHeld,
        passedThroughTimeout, probeRpcs, watchProbeRpcs, passThroughRpcs, bootstrapRpcs, progressCheckRpcs,
        watchStreamsOpened, progressRequests, eventsApplied, reconnects, relists, watcherCatchUps,
        watcherCancellations, listenerFailures, consistentReadWaitNanos, consistentReadWaits,
        adapterDecodeFailures, watchers, upstreamWatchStreams, applyLagRevisions, stalenessNanos,
        historyOldestRevision, historyEvents, historySpanNanos, entries, estimatedBytes, lastBootstrapNanos};
    for (long v : all) {
      if (v < 0) {
        throw new IllegalArgumentException("negative value in stats: " + v);
      }
    }
  }

  /** Stats of a cache that has done nothing and holds nothing. */
  public static CacheStats empty() {
    return EMPTY;
  }

  /** Gets of every consistency, at a revision included. */
  public long gets() {
    return serializableGets + linearizableGets + boundedStalenessGets + atRevisionGets;
  }

  /** Gets sent to etcd, for any reason. */
  public long passedThrough() {
    return passedThroughNotReady + passedThroughNotCovered + passedThroughRevisionNotHeld + passedThroughTimeout;
  }

  /** Range RPCs the read path sent to etcd: probes for reads plus pass-through Ranges. */
  public long readRpcs() {
    return probeRpcs + passThroughRpcs;
  }

  /**
   * The share of etcd's read load the cache removed: {@code 1 - readRpcs / gets}, where each Get
   * would have been one Range RPC without the cache. 0 before the first Get; never negative.
   */
  public double etcdLoadReduction() {
    long gets = gets();
    return gets == 0 ? 0 : Math.max(0, 1 - (double) readRpcs() / gets);
  }

  /** Client watchers per upstream watch stream; 0 when no stream is open. */
  public double watchReductionRatio() {
    return upstreamWatchStreams == 0 ? 0 : (double) watchers / upstreamWatchStreams;
  }

  /** The mean consistent-read wait in nanoseconds; 0 before the first. */
  public double averageConsistentReadWaitNanos() {
    return consistentReadWaits == 0 ? 0 : (double) consistentReadWaitNanos / consistentReadWaits;
  }

  /**
   * What happened between {@code earlier} and this snapshot: each counter is this one's minus
   * {@code earlier}'s, floored at 0 (so snapshots of different caches do not fail); each gauge is
   * this snapshot's.
   */
  public CacheStats minus(CacheStats earlier) {
    long[] a = values();
    long[] b = earlier.values();
    for (int i = 0; i < FIRST_GAUGE; i++) {
      a[i] = Math.max(0, a[i] - b[i]);
    }
    return of(a);
  }

  /**
   * The stats of two caches taken together: counters and the gauges that are amounts (watchers,
   * streams, history events, entries, bytes) add up, saturating at {@link Long#MAX_VALUE}; the lag,
   * staleness, history span and bootstrap duration are the larger; the oldest history revision is
   * the smaller non-zero one.
   */
  public CacheStats plus(CacheStats other) {
    long[] a = values();
    long[] b = other.values();
    for (int i = 0; i < COMPONENTS; i++) {
      a[i] = switch (i) {
        case 28, 29, 32, 35 -> Math.max(a[i], b[i]);
        case 30 -> a[i] == 0 ? b[i] : b[i] == 0 ? a[i] : Math.min(a[i], b[i]);
        default -> saturatedAdd(a[i], b[i]);
      };
    }
    return of(a);
  }

  /** Every component in declaration order. */
  private long[] values() {
    return new long[] {serializableGets, linearizableGets, boundedStalenessGets, atRevisionGets, watchRequests,
        servedFromMemory, passedThroughNotReady, passedThroughNotCovered, passedThroughRevisionNotHeld,
        passedThroughTimeout, probeRpcs, watchProbeRpcs, passThroughRpcs, bootstrapRpcs, progressCheckRpcs,
        watchStreamsOpened, progressRequests, eventsApplied, reconnects, relists, watcherCatchUps,
        watcherCancellations, listenerFailures, consistentReadWaitNanos, consistentReadWaits,
        adapterDecodeFailures, watchers, upstreamWatchStreams, applyLagRevisions, stalenessNanos,
        historyOldestRevision, historyEvents, historySpanNanos, entries, estimatedBytes, lastBootstrapNanos};
  }

  private static CacheStats of(long[] v) {
    return new CacheStats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
        v[13], v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22], v[23], v[24], v[25], v[26],
        v[27], v[28], v[29], v[30], v[31], v[32], v[33], v[34], v[35]);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
