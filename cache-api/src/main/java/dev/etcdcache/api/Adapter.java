package dev.etcdcache.api;

import java.util.List;

/**
 * Object semantics for the values under one key prefix: how a value decodes into a {@code T}, how a
 * {@code T} encodes back, which secondary indexes a view keeps, and which objects it keeps at all.
 *
 * <p>Implementations must be thread-safe and free of side effects. A view calls {@link #decode}
 * once per change of a key (never per read), on the cache's apply thread, inside a guard: an
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
}
