package dev.etcdcache.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A typed, indexed view of the keys under one prefix, decoded by an {@link Adapter}. The view's
 * objects and indexes are updated by the mirror in the same step as its store, so a snapshot at
 * revision R sees both exactly at R.
 *
 * <p>Reads have the same consistency options as the cache's KV: {@link #snapshot()} is linearizable
 * by default; {@link #latest()} is serializable and immediate. Thread-safe.
 *
 * @param <T> the object type
 */
public interface CacheView<T> extends AutoCloseable {

  /** The key prefix this view covers. */
  String prefix();

  /** A snapshot that observes every write completed before this call (linearizable). */
  CompletableFuture<CacheSnapshot<T>> snapshot();

  /** A snapshot with the given consistency. */
  CompletableFuture<CacheSnapshot<T>> snapshot(ReadConsistency consistency);

  /** The latest applied snapshot, at once (serializable: may be stale, never goes back in time). */
  CacheSnapshot<T> latest();

  /** Linearizable {@code get}. */
  default CompletableFuture<Optional<T>> get(String key) {
    return get(key, ReadConsistency.LINEARIZABLE);
  }

  /** {@code get} with the given consistency. */
  default CompletableFuture<Optional<T>> get(String key, ReadConsistency consistency) {
    return snapshot(consistency).thenApply(s -> s.get(key));
  }

  /** Linearizable {@code list()}: every object, in key order. */
  default CompletableFuture<List<T>> list() {
    return list(Query.all(), ReadConsistency.LINEARIZABLE);
  }

  /** Linearizable {@code list(keyPrefix)}: the objects whose keys start with it, in key order. */
  default CompletableFuture<List<T>> list(String keyPrefix) {
    return list(Query.keyPrefix(keyPrefix), ReadConsistency.LINEARIZABLE);
  }

  /** Linearizable {@code list(query)}. */
  default CompletableFuture<List<T>> list(Query<T> query) {
    return list(query, ReadConsistency.LINEARIZABLE);
  }

  /** {@code list(query)} with the given consistency. */
  default CompletableFuture<List<T>> list(Query<T> query, ReadConsistency consistency) {
    return snapshot(consistency).thenApply(s -> s.list(query));
  }

  /** Linearizable {@code count(query)}. */
  default CompletableFuture<Integer> count(Query<T> query) {
    return count(query, ReadConsistency.LINEARIZABLE);
  }

  /** {@code count(query)} with the given consistency. */
  default CompletableFuture<Integer> count(Query<T> query, ReadConsistency consistency) {
    return snapshot(consistency).thenApply(s -> s.count(query));
  }

  /**
   * Adds an index, built from a pinned snapshot off the apply thread and published atomically at a
   * revision: no reader sees a half-built index. Completes when queries can use it.
   *
   * @throws IllegalArgumentException if an index of that name exists
   */
  CompletableFuture<Void> addIndex(IndexDefinition<T> index);

  /**
   * Watches the view's objects matching {@code query} from {@code fromRevision} (0 = from now), with
   * typed events. A start revision the cache can no longer serve ends the watch with etcd's
   * compaction error through {@link CacheEventListener#onError}.
   *
   * <p>A listener slower than the write rate holds a bounded queue: once it overflows, the watch
   * gets nothing new until the listener has caught up, then receives what it missed from the
   * view's history, in order, with nothing lost or repeated. If the history no longer reaches back
   * that far, the watch ends with the compaction error as above; list again and watch from the
   * listed revision.
   */
  AutoCloseable watch(long fromRevision, Query<T> query, CacheEventListener<T> listener);

  /** Values under the prefix the adapter could not decode, counted per change since the view started. */
  long decodeFailures();

  /** Stops maintaining the view; snapshots already taken stay readable. */
  @Override
  void close();
}
