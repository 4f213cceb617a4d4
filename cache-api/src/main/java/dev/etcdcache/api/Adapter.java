package dev.etcdcache.api;

import java.util.List;

/**
 * Object semantics for the values under one key prefix: how a value decodes into a {@code T}, how a
 * {@code T} encodes back, which secondary indexes a view keeps, and which objects it keeps at all.
 *
 * <p>Implementations must be thread-safe and free of side effects other than their own meters
 * ({@link #bindMetrics}). A view calls {@link #decode}
 * once per change of a key (never per read), on the cache's applier (its apply thread, or for a
 * small revision the thread that received it from etcd), inside a guard: an
 * exception there skips that key at that revision, is counted and logged once, and never stops the
 * view or the mirror.
 *
 * @param <T> the decoded object type
 */
public interface Adapter<T> {

  /**
   * Decodes the value stored at {@code key}.
   *
   * @throws RuntimeException any, if the value cannot be decoded; the view skips the key
   */
  T decode(byte[] key, byte[] value);

  /**
   * Decodes the value stored at {@code key}, last modified at etcd revision {@code modRevision}
   * (what Kubernetes calls the object's resourceVersion). Views call this form; the default ignores
   * the revision.
   *
   * @throws RuntimeException any, if the value cannot be decoded; the view skips the key
   */
  default T decode(byte[] key, byte[] value, long modRevision) {
    return decode(key, value);
  }

  /** Encodes {@code object} as it would be stored in etcd. */
  byte[] encode(T object);

  /** The secondary indexes a view over this adapter keeps from the start. */
  default List<IndexDefinition<T>> indexes() {
    return List.of();
  }

  /** Whether a view keeps {@code object} (stored at {@code key}); a filter on every event. */
  default boolean accept(byte[] key, T object) {
    return true;
  }

  /**
   * Hands the adapter where to register its business meters, once per view created over it and
   * before that view's first decode, only when the client has metrics bound. The meters carry the
   * view's tags; an adapter shared by several views is handed one binding per view, and may keep
   * the last (its meters then count all its views under that view's tags). The default registers
   * nothing.
   */
  default void bindMetrics(AdapterMetrics metrics) {
  }

  /**
   * Tells the adapter one object of a view changed: {@code previous} null when it entered the view
   * (also for every object of the view's first build), {@code current} null when it left (deleted,
   * or no longer accepted), both set for an update; a re-list reports its difference. Called on the
   * apply thread, in revision order, only when the client has metrics bound, so an adapter can keep
   * exact object counts for gauges. Must be cheap and must not throw (an exception is logged once
   * and ignored). The default does nothing.
   */
  default void observeChange(T previous, T current) {
  }
}
