package dev.etcdcache.server;

import java.util.ArrayList;
import java.util.List;

/**
 * What an {@link Outbox} holds for a client that is not reading fast enough, or a
 * {@link WatchStream} for a watch whose deliveries the server is behind on: one encoded response,
 * or the event responses of consecutive revisions of one watch, to be written as one response —
 * what etcd's {@code watchableStore} sends a lagging (unsynced) watcher: the events of up to
 * {@value #MAX_PARTS} revisions ({@code watchBatchMaxRevs}) in one response, in revision order, a
 * revision never split. Only responses that are still waiting are joined, so a client that keeps up
 * gets one response per revision, as from etcd's synced watchers.
 *
 * <p>Not thread-safe: owned by its outbox or its stream's watch, under that one's lock.
 */
final class PendingResponse {

  /** etcd's {@code watchBatchMaxRevs}: at most this many revisions' responses in one. */
  static final int MAX_PARTS = 1000;
  /**
   * A joined response stays below this many bytes: hundreds of typical events, so the cost per
   * message is spread thin, while one response never holds much of a stream's buffer.
   */
  static final int MAX_BYTES = 64 * 1024;

  private final List<EncodedWatchResponse> parts = new ArrayList<>(1);
  private int size;

  PendingResponse(EncodedWatchResponse first) {
    parts.add(first);
    size = first.size();
  }

  /**
   * Adds {@code next} to this response if both carry only events of the same watch and the joined
   * response stays under {@code maxBytes}; returns whether it did. Nothing else ever joins, so
   * created, canceled and progress responses and fragments keep their places in the stream.
   */
  boolean tryJoin(EncodedWatchResponse next, int maxBytes) {
    EncodedWatchResponse first = parts.get(0);
    if (!next.joinable() || !first.joinable() || next.watchId() != first.watchId() || parts.size() >= MAX_PARTS) {
      return false;
    }
    // The joined response is the last part's header and watch_id, then every part's events: the
    // old last part's header goes, the new one's comes with its events.
    EncodedWatchResponse last = parts.get(parts.size() - 1);
    int joined = size - (last.size() - last.eventsSize()) + next.size();
    if (joined >= maxBytes) {
      return false;
    }
    parts.add(next);
    size = joined;
    return true;
  }

  /** Bytes the client will receive for this response. */
  int size() {
    return size;
  }

  /** The response to send. */
  EncodedWatchResponse encoded() {
    return parts.size() == 1 ? parts.get(0) : EncodedWatchResponse.joined(parts);
  }
}
