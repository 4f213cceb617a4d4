package dev.etcdcache.benchmarks.btree;

/**
 * The read operations the B+tree benchmarks compare, over one loaded sorted map of {@code byte[]}
 * keys in etcd's order. Each {@link StoreType} supplies one; not thread-safe beyond what the
 * underlying map promises.
 */
interface SortedStore {

  /** The value for {@code key}, or {@code null}. */
  Object get(byte[] key);

  /**
   * Visits up to {@code limit} entries ascending from {@code from} (inclusive), stopping before
   * {@code to} if it is not {@code null}; returns a checksum of what was visited so the work
   * cannot be optimized away.
   */
  long range(byte[] from, byte[] to, int limit);

  /** The number of keys in {@code [from, to)}, by the fastest means the structure offers. */
  int count(byte[] from, byte[] to);
}
