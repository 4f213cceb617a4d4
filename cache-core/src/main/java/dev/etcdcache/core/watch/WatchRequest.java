package dev.etcdcache.core.watch;

import dev.etcdcache.core.store.KeyRange;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.options.WatchOption;
import java.util.Objects;

/**
 * One client watch as etcd receives it: the key range jetcd would send (range end, prefix end or
 * single key) and the options the hub honours.
 *
 * @param key the key as the client gave it
 * @param option the client's options, kept for an upstream watch
 * @param range the watched range, as etcd reads key and range end
 */
record WatchRequest(ByteSequence key, WatchOption option, KeyRange range) {

  static final int PREV_KV = 1;
  static final int NO_PUT = 2;
  static final int NO_DELETE = 4;

  WatchRequest {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(option, "option");
    Objects.requireNonNull(range, "range");
  }

  /** The range jetcd's {@code WatchImpl} would put in the create request. */
  static WatchRequest of(ByteSequence key, WatchOption option) {
    byte[] k = key.getBytes();
    byte[] end;
    if (option.getEndKey().isPresent()) {
      end = option.getEndKey().get().getBytes();
    } else if (option.isPrefix()) {
      end = KeyRange.prefix(k).rangeEnd();
    } else {
      end = new byte[0];
    }
    KeyRange range = KeyRange.of(k, end);
    // etcd holds no empty key, so ["", "\0") watches exactly what ["\0", "\0") does.
    if (k.length == 0 && range.isOpenEnded()) {
      range = KeyRange.ALL;
    }
    return new WatchRequest(key, option, range);
  }

  /** The requested start revision (0 = now). */
  long startRevision() {
    return option.getRevision();
  }

  boolean createdNotify() {
    return option.isCreatedNotify();
  }

  boolean progressNotify() {
    return option.isProgressNotify();
  }

  /** Which of prevKV, noPut and noDelete apply, as a bit set: the shape of this watcher's events. */
  int variant() {
    return (option.isPrevKV() ? PREV_KV : 0) | (option.isNoPut() ? NO_PUT : 0)
        | (option.isNoDelete() ? NO_DELETE : 0);
  }

  /** The event as a watcher of shape {@code variant} sees it, or null if its filters drop it. */
  static Event shape(Event e, int variant) {
    if (e.getType() == Event.EventType.PUT ? (variant & NO_PUT) != 0 : (variant & NO_DELETE) != 0) {
      return null;
    }
    if ((variant & PREV_KV) == 0 && e.hasPrevKv()) {
      return e.toBuilder().clearPrevKv().build();
    }
    return e;
  }
}
