package dev.etcdcache.api;

/**
 * Receives a view's typed events. Calls for one listener are serial and in revision order, on the
 * cache's delivery executor, never on the mirror's apply thread; there is no order across listeners.
 *
 * @param <T> the object type
 */
@FunctionalInterface
public interface CacheEventListener<T> {

  /** One change, after the adapter's filter and the watch's query. */
  void onEvent(CacheEvent<T> event);

  /**
   * The watch ended with a failure (for example the start revision was compacted, as etcd would
   * report it); no event follows.
   */
  default void onError(Throwable failure) {}
}
