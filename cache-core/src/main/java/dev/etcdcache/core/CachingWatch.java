package dev.etcdcache.core;

import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.newClosedWatchClientException;

import dev.etcdcache.core.watch.WatchHub;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A jetcd {@link Watch} whose watchers share the cache's one upstream watch to etcd and behave as
 * etcd's: same events (type, key, value, create/mod revision, version, prevKV), one response per
 * revision for a live watcher with header = that revision, replays batched with header = the
 * current revision and never splitting a revision, createdNotify, progressNotify, noPut, noDelete,
 * and {@link io.etcd.jetcd.common.exception.CompactedException} then {@code onCompleted} for a
 * compacted start revision.
 *
 * <h2>Threads</h2>
 * Listener callbacks run on the cache's watch delivery threads, never on the mirror's apply thread
 * or on jetcd's event loop (unless marked {@link #inline(Watch.Listener) inline}); one watcher's callbacks run one at a time, in order; different watchers
 * are not ordered against each other. A listener that blocks delays only its own watcher: its
 * events queue up to a bound, after which it is caught up from the cache's history (or, if it has
 * fallen off it, from its own upstream watch) once it returns. A pool of
 * {@code max(4, 2 × cores)} delivery threads is shared, so as many listeners blocking at once
 * would delay the others.
 *
 * <h2>Inline listeners (opt-in, for listeners that do not block)</h2>
 * A listener wrapped with {@link #inline(Watch.Listener)} skips the delivery pool: it is called by
 * the mirror's applier (its apply thread or, for a revision of at most 16 events and 64 KiB that
 * arrives while the apply thread has nothing queued, jetcd's event loop that received it and
 * applies it itself), right after the revision is in the cache's store and history, in
 * revision order, exactly once, with the same responses, filters (noPut, noDelete, prevKV),
 * progress notifications, errors and {@code onCompleted} as a queued watcher; a watcher the cache
 * serves from its own upstream watch calls it on jetcd's thread, and {@code onCompleted} after
 * {@link Watcher#close()} may come on the closing thread. Callbacks stay one at a time and in order.
 * This saves the hand-off to a delivery thread (measured: see the README's watch latency figures).
 * The price: <b>while an inline listener runs, the mirror applies nothing and no other watcher
 * hears anything</b> (and, on jetcd's event loop, the client's RPC answers wait), so it must not block, wait for a future, call the cache (a linearizable
 * read would wait for the very revision it holds up) or do I/O; hand such work to your own
 * executor. A listener that throws is handled as a queued one's (counted, logged once, its
 * deliveries go on); callbacks longer than 1 ms are counted ({@link #slowInlineCalls()}) and logged
 * once per watcher.
 *
 * <h2>Where watchers are served from</h2>
 * From memory when the watched range lies inside the mirrored ranges and the start revision is 0,
 * in the future, or inside the history (see {@code CachingClient.Builder#historyEvents}); otherwise
 * from its own upstream jetcd watch, whose responses are etcd's own. Starting one costs a count-only
 * Range to etcd (shared by concurrent watch calls) to learn etcd's revision and its compaction.
 *
 * <p>Periodic progress notifications (progressNotify) come at etcd's own
 * {@code --experimental-watch-progress-notify-interval}, learned from the periodic notifications
 * on the mirror's upstream watch (they arrive while that watch is idle for an interval); until one
 * was seen, at {@code CachingClient.Builder#watchProgressNotifyInterval} (etcd's default, 10
 * minutes). Each carries the mirror's current revision.
 *
 * <p>Not promised: {@code requireLeader} is not checked for watchers served from memory (the
 * mirror's watch is etcd's and requires a leader); a progress request is not answered for a
 * watcher still catching up (as etcd 3.4.31+ / 3.5.13+, unlike 3.4.23).
 *
 * <p>Thread-safe.
 */
public final class CachingWatch implements Watch {

  private final WatchHub hub;
  private final AtomicBoolean closed = new AtomicBoolean();

  CachingWatch(WatchHub hub) {
    this.hub = hub;
  }

  /**
   * Watches {@code key} with {@code option}, as etcd would. Returns before the watch is established.
   *
   * @throws io.etcd.jetcd.common.exception.ClosedClientException if this watch client is closed
   * @throws NullPointerException if an argument is null
   */
  @Override
  public Watcher watch(ByteSequence key, WatchOption option, Listener listener) {
    if (closed.get()) {
      throw newClosedWatchClientException();
    }
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(option, "option");
    Objects.requireNonNull(listener, "listener");
    return hub.watch(key, option, listener, listener instanceof InlineListener);
  }

  /**
   * Marks {@code listener} as one that does not block, to be called inline on the cache's apply
   * thread, without a hand-off to a delivery thread (see "Inline listeners" above). Pass the result
   * to {@link #watch}; to a plain jetcd {@code Watch} it is an ordinary listener.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public static Listener inline(Listener listener) {
    return new InlineListener(Objects.requireNonNull(listener, "listener"));
  }

  /** Callbacks of inline listeners that took longer than 1 ms, since the client was built. */
  public long slowInlineCalls() {
    return hub.slowInlineCalls();
  }

  /** A listener the caller promised does not block: the hub runs it inline. */
  private record InlineListener(Listener delegate) implements Listener {
    @Override
    public void onNext(io.etcd.jetcd.watch.WatchResponse response) {
      delegate.onNext(response);
    }

    @Override
    public void onError(Throwable throwable) {
      delegate.onError(throwable);
    }

    @Override
    public void onCompleted() {
      delegate.onCompleted();
    }
  }

  /** Asks for a progress notification on every open watcher, with the cache's current revision. */
  @Override
  public void requestProgress() {
    if (!closed.get()) {
      hub.requestProgress();
    }
  }

  /** Closes every watcher (each gets {@code onCompleted}); later {@link #watch} calls throw. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      hub.close();
    }
  }

  /** Watchers open now. */
  public int watchers() {
    return hub.watchers();
  }
}
