package dev.etcdcache.e2e.history;

import java.util.List;
import java.util.Objects;

/**
 * One Get a client made: its range, consistency, timing and result.
 *
 * @param client which client (a {@code CachingClient}) served it; "never goes back" is per client
 * @param consistency how it was asked
 * @param boundNanos the staleness bound of a {@link Consistency#BOUNDED_STALENESS} read, else 0
 * @param key the key, or the start of the range
 * @param rangeEnd the exclusive end of the range, or null for the single key
 * @param invokedNanos before the request was sent ({@link System#nanoTime()})
 * @param completedNanos after the answer arrived
 * @param headerRevision the response header revision (0 on error)
 * @param kvs the keys returned, in order
 * @param count the response's count
 * @param more the response's more flag
 * @param error the failure, or null
 */
public record ReadOp(int client, Consistency consistency, long boundNanos, String key, String rangeEnd,
    long invokedNanos, long completedNanos, long headerRevision, List<KeyValueRecord> kvs, long count, boolean more,
    String error) {

  /** The read consistencies a client can ask for. */
  public enum Consistency { LINEARIZABLE, SERIALIZABLE, BOUNDED_STALENESS }

  public ReadOp {
    Objects.requireNonNull(consistency, "consistency");
    Objects.requireNonNull(key, "key");
    kvs = List.copyOf(kvs);
  }

  public boolean failed() {
    return error != null;
  }

  @Override
  public String toString() {
    return consistency + (boundNanos > 0 ? "(" + boundNanos / 1_000_000 + " ms)" : "") + " read#" + client + " of "
        + key + (rangeEnd == null ? "" : ".." + rangeEnd) + (failed() ? " failed: " + error
            : " at " + headerRevision + " count=" + count + " " + (kvs.size() > 4 ? kvs.subList(0, 4) + "..." : kvs));
  }
}
