package dev.etcdcache.api;

import java.util.Objects;

/**
 * Receives a view's typed events. Calls for one listener are serial and in revision order, on the
 * cache's delivery executor, never on the mirror's apply thread; there is no order across listeners.
 *
 * <h2>Inline listeners</h2>
 * A listener that never blocks and is cheap (it updates in-memory state, publishes a reference,
 * hands work to its own executor) may ask to be called inline, on the thread that applies each
 * revision, right after the view published it, without a hand-off to a delivery thread: wrap it
 * with {@link #inline(CacheEventListener)} or override {@link #runsInline()}. It gets exactly the
 * same calls, in the same order, as a queued listener (events, {@code onRevisionEnd},
 * {@code onError}), one at a time; replays at registration and after a lag also run inline, and
 * {@code onError} for a view closed by a caller runs on the closing thread. <b>While an inline
 * listener runs, the cache applies nothing and no other watch hears anything</b>: it must not
 * wait (for a lock held long, a future, I/O, or a read of the cache, which may wait for the very
 * revision being applied). Calls longer than 1 ms are logged once per watch and reported to the
 * cache's stats recorder, if it counts them.
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

  /**
   * Whether this listener is to be called inline, by the cache's applier (see "Inline
   * listeners" above); false by default. Views that cannot call a listener inline queue it as any
   * other.
   */
  default boolean runsInline() {
    return false;
  }

  /**
   * {@code listener}, marked to be called inline by the cache's applier, without a hand-off
   * (see "Inline listeners" above): only for listeners that never block.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  static <T> CacheEventListener<T> inline(CacheEventListener<T> listener) {
    Objects.requireNonNull(listener, "listener");
    return new CacheEventListener<>() {
      @Override
      public void onEvent(CacheEvent<T> event) {
        listener.onEvent(event);
      }

      @Override
      public void onRevisionEnd(long revision) {
        listener.onRevisionEnd(revision);
      }

      @Override
      public void onError(Throwable failure) {
        listener.onError(failure);
      }

      @Override
      public boolean runsInline() {
        return true;
      }
    };
  }
}
