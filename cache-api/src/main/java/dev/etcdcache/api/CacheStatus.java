package dev.etcdcache.api;

import java.time.Instant;
import java.util.Optional;

/**
 * A point-in-time view of a cache's health, cheap to take and safe to hand to any thread.
 *
 * @param ready whether the first snapshot has been applied and reads can be served from memory
 * @param appliedRevision the etcd revision the mirror has applied (0 before it is ready)
 * @param compactRevision the highest compact revision the cache has learned of (0 if none)
 * @param lastProgress when the mirror was last confirmed to be current with etcd (an applied
 *     event, a validated progress notification or a satisfied revision probe); {@code null} before ready
 * @param connected whether the upstream watch stream is currently established
 * @param lastError the last upstream failure the mirror saw, if any, as a message
 * @param relists how many times the mirror re-read its ranges after a compaction or a gap
 * @param reconnects how many times the upstream watch was re-established after a failure
 * @param decodeFailures values under the client's typed views that their adapters could not decode
 *     (or whose filter or index functions threw), counted per change since each view started; the
 *     keys are left out of the views until a later revision decodes
 * @param memory what the cache holds on the heap by part, its limits, and whether it degraded to
 *     stay within them ({@link CacheMemory#none()} where not known)
 * @param onDemand what on-demand mirroring of prefixes did: prefixes mirrored and being listed,
 *     bootstraps, drops, reads served from memory and sent to etcd ({@link CacheOnDemand#none()}
 *     without on-demand prefixes)
 */
public record CacheStatus(
    boolean ready,
    long appliedRevision,
    long compactRevision,
    Instant lastProgress,
    boolean connected,
    Optional<String> lastError,
    long relists,
    long reconnects,
    long decodeFailures,
    CacheMemory memory,
    CacheOnDemand onDemand) {

  /** Validates the values. */
  public CacheStatus {
    if (appliedRevision < 0 || compactRevision < 0 || relists < 0 || reconnects < 0 || decodeFailures < 0) {
      throw new IllegalArgumentException("negative value in status");
    }
    lastError = lastError == null ? Optional.empty() : lastError;
    memory = memory == null ? CacheMemory.none() : memory;
    onDemand = onDemand == null ? CacheOnDemand.none() : onDemand;
  }

  /** A status without an on-demand report (the form before on-demand prefixes existed). */
  public CacheStatus(boolean ready, long appliedRevision, long compactRevision, Instant lastProgress,
      boolean connected, Optional<String> lastError, long relists, long reconnects, long decodeFailures,
      CacheMemory memory) {
    this(ready, appliedRevision, compactRevision, lastProgress, connected, lastError, relists, reconnects,
        decodeFailures, memory, CacheOnDemand.none());
  }

  /** A status without a memory report (the form before memory was reported). */
  public CacheStatus(boolean ready, long appliedRevision, long compactRevision, Instant lastProgress,
      boolean connected, Optional<String> lastError, long relists, long reconnects, long decodeFailures) {
    this(ready, appliedRevision, compactRevision, lastProgress, connected, lastError, relists, reconnects,
        decodeFailures, CacheMemory.none());
  }

  /** A status with no typed view decode failures (the form before views existed). */
  public CacheStatus(boolean ready, long appliedRevision, long compactRevision, Instant lastProgress,
      boolean connected, Optional<String> lastError, long relists, long reconnects) {
    this(ready, appliedRevision, compactRevision, lastProgress, connected, lastError, relists, reconnects, 0);
  }

  /** This status with {@code failures} as its {@link #decodeFailures()}. */
  public CacheStatus withDecodeFailures(long failures) {
    return new CacheStatus(ready, appliedRevision, compactRevision, lastProgress, connected, lastError, relists,
        reconnects, failures, memory, onDemand);
  }

  /** This status with {@code memory} as its {@link #memory()}. */
  public CacheStatus withMemory(CacheMemory memory) {
    return new CacheStatus(ready, appliedRevision, compactRevision, lastProgress, connected, lastError, relists,
        reconnects, decodeFailures, memory, onDemand);
  }

  /** This status with {@code onDemand} as its {@link #onDemand()}. */
  public CacheStatus withOnDemand(CacheOnDemand onDemand) {
    return new CacheStatus(ready, appliedRevision, compactRevision, lastProgress, connected, lastError, relists,
        reconnects, decodeFailures, memory, onDemand);
  }
}
