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
   * Every event of {@code revision} this listener gets has been delivered: a listener that keeps
   * derived state can publish it here, so readers never see part of a revision (an etcd txn or a
   * ranged delete changes several keys at one revision). Called only for revisions that produced at
   * least one event for this listener, after the last of them.
   */
  default void onRevisionEnd(long revision) {}

  /**
   * The watch ended with a failure (for example the start revision was compacted, as etcd would
   * report it); no event follows.
   */
  default void onError(Throwable failure) {}
}
