package dev.etcdcache.api;

import java.util.List;
import java.util.Optional;

/**
 * A view's objects and indexes exactly as they were at one etcd revision. Taking one is O(1), and it
 * never changes afterwards, whatever the mirror applies; hold it as long as needed.
 *
 * <p>Thread-safe; every method answers from memory without blocking.
 *
 * @param <T> the object type
 */
public interface CacheSnapshot<T> {

  /** The etcd revision this snapshot is exact at. */
  long revision();

  /** The object stored at {@code key}, if the view holds one. */
  Optional<T> get(String key);

  /** Every object, in key order. */
  List<T> list();

  /** The objects whose keys start with {@code keyPrefix}, in key order. */
  List<T> list(String keyPrefix);

  /** The objects matching {@code query}, in key order. */
  List<T> list(Query<T> query);

  /** The keys of the objects matching {@code query}, in key order. */
  List<String> keys(Query<T> query);

  /** How many objects match {@code query}. */
  int count(Query<T> query);

  /** How many objects the view holds. */
  int size();
}
