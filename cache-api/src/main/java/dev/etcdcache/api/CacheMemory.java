package dev.etcdcache.api;

import java.util.Optional;

/**
 * What a cache holds on the heap now, by part, against its limits, and whether it has stopped
 * serving from memory to stay within them. Every byte figure is an estimate from a model of the
 * cache's own structures (checked against JOL's measurement of them, within 10 % at 100,000 keys):
 * cheap to read at any time, but not a heap measurement.
 *
 * <p>The parts do not overlap: a value replaced at a revision that both the version window and the
 * history still hold is counted once, in {@link #versionBytes()}.
 *
 * @param budgetBytes the memory budget ({@code memoryBudget} on the builder); 0 when none is set
 * @param maxEntries the most keys the mirror holds ({@code maxEntries} on the builder); 0 when none
 *     is set
 * @param entries keys in the store now
 * @param storeBytes the current version: keys, values and per-entry overhead
 * @param versionBytes what older versions kept for reads at a revision pin beyond the current one
 *     (the values they replaced, the tree nodes they copied)
 * @param historyBytes the watch replay history beyond what the versions already count (its events
 *     and the keys and previous values only it still holds)
 * @param viewBytes typed views beyond the store: their per-object and per-index structure (not the
 *     decoded objects themselves, whose size only the application knows)
 * @param degraded whether the cache stopped serving from memory to keep within its limits: reads
 *     go to etcd (coalesced) and watchers are served by etcd until the mirror fits again
 * @param degradedReason why it degraded, while it is degraded
 * @param degradations how many times the cache degraded since it was built
 * @param degradedReads reads sent to etcd because the cache was degraded, since it was built
 */
public record CacheMemory(
    long budgetBytes,
    long maxEntries,
    long entries,
    long storeBytes,
    long versionBytes,
    long historyBytes,
    long viewBytes,
    boolean degraded,
    Optional<String> degradedReason,
    long degradations,
    long degradedReads) {

  /** Validates the values. */
  public CacheMemory {
    if (budgetBytes < 0 || maxEntries < 0 || entries < 0 || storeBytes < 0 || versionBytes < 0 || historyBytes < 0
        || viewBytes < 0 || degradations < 0 || degradedReads < 0) {
      throw new IllegalArgumentException("negative value in memory status");
    }
    degradedReason = degradedReason == null ? Optional.empty() : degradedReason;
  }

  /** A report without a count of degraded reads (the form before they were counted). */
  public CacheMemory(long budgetBytes, long maxEntries, long entries, long storeBytes, long versionBytes,
      long historyBytes, long viewBytes, boolean degraded, Optional<String> degradedReason, long degradations) {
    this(budgetBytes, maxEntries, entries, storeBytes, versionBytes, historyBytes, viewBytes, degraded,
        degradedReason, degradations, 0);
  }

  /** Nothing held, no limits, not degraded. */
  public static CacheMemory none() {
    return new CacheMemory(0, 0, 0, 0, 0, 0, 0, false, Optional.empty(), 0, 0);
  }

  /** This report with {@code reads} as its {@link #degradedReads()}. */
  public CacheMemory withDegradedReads(long reads) {
    return new CacheMemory(budgetBytes, maxEntries, entries, storeBytes, versionBytes, historyBytes, viewBytes,
        degraded, degradedReason, degradations, reads);
  }

  /** Everything the cache retains: store, versions, history and views together. */
  public long retainedBytes() {
    return storeBytes + versionBytes + historyBytes + viewBytes;
  }
}
