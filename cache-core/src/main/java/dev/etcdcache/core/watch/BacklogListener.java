package dev.etcdcache.core.watch;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchResponse;

/**
 * A watch listener that learns how far behind its delivery is, so it may pass several responses
 * on as one: a server whose client has fallen behind can write a run of revisions in one message,
 * as etcd sends an unsynced watcher the events of many revisions in one response.
 *
 * <p>The hub hands this listener its responses through {@link #onNext(WatchResponse, int)}, one at
 * a time and in order as for any listener, and ends every hand-over with {@link #handOverEnded()}:
 * a listener that held responses back sends them then at the latest, so nothing waits for a
 * revision that may never come. Internal, no compatibility promise.
 */
public interface BacklogListener extends Watch.Listener {

  /**
   * The next response.
   *
   * @param behind how many more deliveries (responses, an error or the completion) were queued for
   *     this watcher when this one was handed over; 0 when the listener has caught up
   */
  void onNext(WatchResponse response, int behind);

  /** A run of deliveries ended: whatever this listener held back must go out now. */
  void handOverEnded();

  @Override
  default void onNext(WatchResponse response) {
    onNext(response, 0);
  }
}
