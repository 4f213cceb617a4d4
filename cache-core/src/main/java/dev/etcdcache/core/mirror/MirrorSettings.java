package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.KeyRange;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Every knob of a {@link Mirror}, validated once.
 *
 * @param ranges the key ranges mirrored (at least one; {@link KeyRange#ALL} for the whole keyspace)
 * @param pageBytes target size of one bootstrap page, kept below jetcd's 4 MiB inbound limit
 * @param firstPageLimit keys asked for in the first bootstrap page, before sizes are known
 * @param versionsKept how many recent store versions are kept for reads at a revision
 * @param versionsAge how long a recent store version is kept at least... and at most
 * @param progressInterval how long the upstream watch may be silent before progress is requested
 * @param stallTimeout how long the upstream watch may be silent before it is re-established
 * @param backoffMin first reconnect delay
 * @param backoffMax largest reconnect delay
 * @param versionsBytes estimated bytes the recent versions may pin beyond the current one (the
 *     values they replaced, the nodes they copied); the newest is kept whatever it costs
 * @param maxEntries most keys a list may bring into the store (0: no limit); a list that would
 *     hold more stops and the mirror degrades instead (see {@link Mirror#degrade})
 * @param storeBudget most estimated bytes a list may bring into the store (0: no limit), likewise
 * @param memoryRetry how long a degraded mirror waits before checking whether its ranges fit again
 */
public record MirrorSettings(
    List<KeyRange> ranges,
    int pageBytes,
    int firstPageLimit,
    int versionsKept,
    Duration versionsAge,
    Duration progressInterval,
    Duration stallTimeout,
    Duration backoffMin,
    Duration backoffMax,
    long versionsBytes,
    long maxEntries,
    long storeBudget,
    Duration memoryRetry) {

  /** Settings whose recent versions are bounded by count and age only. */
  public MirrorSettings(List<KeyRange> ranges, int pageBytes, int firstPageLimit, int versionsKept,
      Duration versionsAge, Duration progressInterval, Duration stallTimeout, Duration backoffMin,
      Duration backoffMax) {
    this(ranges, pageBytes, firstPageLimit, versionsKept, versionsAge, progressInterval, stallTimeout, backoffMin,
        backoffMax, Long.MAX_VALUE, 0, 0, Duration.ofSeconds(10));
  }

  /** Validates the settings. */
  public MirrorSettings {
    ranges = List.copyOf(ranges);
    if (ranges.isEmpty()) {
      throw new IllegalArgumentException("at least one range must be mirrored");
    }
    if (pageBytes < 1024 || firstPageLimit < 1 || versionsKept < 1) {
      throw new IllegalArgumentException("pageBytes, firstPageLimit and versionsKept must be positive");
    }
    Objects.requireNonNull(versionsAge, "versionsAge");
    Objects.requireNonNull(progressInterval, "progressInterval");
    Objects.requireNonNull(stallTimeout, "stallTimeout");
    Objects.requireNonNull(backoffMin, "backoffMin");
    Objects.requireNonNull(backoffMax, "backoffMax");
    if (versionsBytes < 0 || maxEntries < 0 || storeBudget < 0) {
      throw new IllegalArgumentException("versionsBytes, maxEntries and storeBudget must not be negative");
    }
    Objects.requireNonNull(memoryRetry, "memoryRetry");
    if (stallTimeout.compareTo(progressInterval) <= 0) {
      throw new IllegalArgumentException("stallTimeout must exceed progressInterval");
    }
  }

  /** The one range the upstream watch covers: the span of every mirrored range. */
  KeyRange watchRange() {
    KeyRange span = ranges.get(0);
    for (KeyRange r : ranges) {
      span = span.span(r);
    }
    return span;
  }
}
