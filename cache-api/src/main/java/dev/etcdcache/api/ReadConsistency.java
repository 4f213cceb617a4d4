package dev.etcdcache.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How fresh a read served by the cache must be.
 *
 * <ul>
 *   <li>{@link #LINEARIZABLE}: the read observes every write that completed before it started,
 *       as a linearizable etcd Range does (jetcd's default). The cache learns etcd's current
 *       revision and waits until its mirror has applied it.</li>
 *   <li>{@link #SERIALIZABLE}: served at once from the latest revision the mirror has applied.
 *       It may be stale, as a read from an etcd follower may, but never goes back in time for
 *       one client.</li>
 *   <li>{@link #maxStaleness(Duration)}: served at once while the mirror was last confirmed to be
 *       up to date with etcd no longer than the bound ago; otherwise served as linearizable.</li>
 * </ul>
 *
 * <p>Instances are immutable values and thread-safe.
 *
 * @param mode the kind of consistency
 * @param maxStaleness the staleness bound; {@link Duration#ZERO} unless mode is {@link Mode#BOUNDED_STALENESS}
 */
public record ReadConsistency(Mode mode, Duration maxStaleness) {

  /** The kinds of read consistency. */
  public enum Mode {
    /** See {@link ReadConsistency#LINEARIZABLE}. */
    LINEARIZABLE,
    /** See {@link ReadConsistency#SERIALIZABLE}. */
    SERIALIZABLE,
    /** See {@link ReadConsistency#maxStaleness(Duration)}. */
    BOUNDED_STALENESS
  }

  /** Observes every write completed before the read started. */
  public static final ReadConsistency LINEARIZABLE = new ReadConsistency(Mode.LINEARIZABLE, Duration.ZERO);

  /** Served at once from what the mirror has applied; may be stale, never goes back in time. */
  public static final ReadConsistency SERIALIZABLE = new ReadConsistency(Mode.SERIALIZABLE, Duration.ZERO);

  /** Validates the pair. */
  public ReadConsistency {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(maxStaleness, "maxStaleness");
    if (mode == Mode.BOUNDED_STALENESS) {
      if (maxStaleness.isNegative() || maxStaleness.isZero()) {
        throw new IllegalArgumentException("maxStaleness must be positive: " + maxStaleness);
      }
    } else if (!maxStaleness.isZero()) {
      throw new IllegalArgumentException("maxStaleness applies to BOUNDED_STALENESS only");
    }
  }

  /**
   * A read served at once while the mirror's last confirmation of being current is at most
   * {@code bound} old, and as {@link #LINEARIZABLE} otherwise.
   *
   * @throws IllegalArgumentException if {@code bound} is zero or negative
   */
  public static ReadConsistency maxStaleness(Duration bound) {
    return new ReadConsistency(Mode.BOUNDED_STALENESS, bound);
  }
}
