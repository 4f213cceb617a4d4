package dev.etcdcache.core;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.api.Ticker;
import io.etcd.jetcd.ByteSequence;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Every setting of a {@link CachingClient}, with its default, in one immutable value. Built by
 * {@link CachingClient.Builder}; see its setters for what each means.
 *
 * @param prefixes the mirrored key prefixes; empty means the whole keyspace
 * @param defaultConsistency how a Get that is not marked serializable is served
 * @param historyEvents how many recent revisions are kept for reads at a revision
 * @param historyAge how long recent revisions are kept for reads at a revision
 * @param consistentReadTimeout how long a read waits for the mirror before going to etcd
 * @param pageBytes target size of one bootstrap Range page
 * @param progressInterval silence after which the upstream watch asks etcd for progress
 * @param stallTimeout silence after which the upstream watch is re-established
 * @param executor where waiting reads complete
 * @param ticker the time source
 */
public record CacheConfig(
    List<ByteSequence> prefixes,
    ReadConsistency defaultConsistency,
    int historyEvents,
    Duration historyAge,
    Duration consistentReadTimeout,
    int pageBytes,
    Duration progressInterval,
    Duration stallTimeout,
    Executor executor,
    Ticker ticker) {

  /** Validates the settings. */
  public CacheConfig {
    prefixes = List.copyOf(prefixes);
    Objects.requireNonNull(defaultConsistency, "defaultConsistency");
    Objects.requireNonNull(historyAge, "historyAge");
    Objects.requireNonNull(consistentReadTimeout, "consistentReadTimeout");
    Objects.requireNonNull(progressInterval, "progressInterval");
    Objects.requireNonNull(stallTimeout, "stallTimeout");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(ticker, "ticker");
    if (historyEvents < 1) {
      throw new IllegalArgumentException("historyEvents must be positive: " + historyEvents);
    }
    if (pageBytes < 1024) {
      throw new IllegalArgumentException("pageBytes must be at least 1024: " + pageBytes);
    }
  }
}
