package dev.etcdcache.core.watch;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client watcher of the hub: its request, its place in the hub's state machine, and its own
 * bounded delivery queue drained serially on the delivery executor.
 *
 * <h2>Threads</h2>
 * {@link State}, {@link #startRevision} and {@link #nextRevision} belong to the mirror's apply
 * thread. The queue is filled by the apply thread (events, progress) or by jetcd's event loop
 * (a watcher served by its own upstream watch) and drained by at most one delivery task at a time
 * ({@link #draining}), so the listener sees one callback at a time, in queue order. A drain delivers
 * a bounded batch and resubmits itself, so a busy watcher does not hold a delivery thread.
 *
 * <p>When {@link #offer} refuses a response (the queue is full) the hub marks the watcher lagging
 * and calls {@link #resumeWhenDrained()}: the drain that empties the queue hands the watcher back to
 * the hub, which catches it up from the history in one batch.
 */
final class HubWatcher implements Watch.Watcher {

  private static final Logger LOG = LoggerFactory.getLogger(HubWatcher.class);
  private static final int DRAIN_BATCH = 64;

  /** Where the hub serves this watcher from. */
  enum State {
    /** Waiting for the revision check and registration. */
    PENDING,
    /** Indexed, fed live from the mirror. */
    LIVE,
    /** Indexed but skipped: its queue overflowed; it resumes from {@link #nextRevision}. */
    LAGGING,
    /** Served by its own upstream jetcd watch. */
    UPSTREAM,
    /** Failed to be created (etcd's invalid-range error): open, but receives nothing. */
    INERT,
    /** Ended: closed by the client or cancelled by the hub. */
    ENDED
  }

  private enum Kind { RESPONSE, ERROR, COMPLETED }

  private record Item(Kind kind, WatchResponse response, Throwable error) {}

  private final WatchHub hub;
  private final long id;
  private final WatchRequest request;
  private final Watch.Listener listener;
  private final Executor executor;
  private final int queueLimit;
  private final Queue<Item> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean resumeWanted = new AtomicBoolean();
  private final AtomicBoolean completionQueued = new AtomicBoolean();
  private final AtomicBoolean closedByClient = new AtomicBoolean();
  private volatile boolean ended;
  private volatile boolean failureLogged;

  // apply thread only
  volatile State state = State.PENDING;
  long startRevision;
  long nextRevision;
  boolean sentSinceProgressTick;
  volatile Watch.Watcher upstream;

  HubWatcher(WatchHub hub, long id, WatchRequest request, Watch.Listener listener, Executor executor,
      int queueLimit) {
    this.hub = hub;
    this.id = id;
    this.request = request;
    this.listener = listener;
    this.executor = executor;
    this.queueLimit = queueLimit;
  }

  WatchRequest request() {
    return request;
  }

  long id() {
    return id;
  }

  /** Closes this watcher: nothing more is delivered but one {@code onCompleted}, as jetcd does. */
  @Override
  public void close() {
    if (closedByClient.compareAndSet(false, true)) {
      ended = true;
      hub.onClientClose(this);
      completeLater();
    }
  }

  @Override
  public boolean isClosed() {
    return ended;
  }

  /** Asks for a progress notification for this watcher alone. */
  @Override
  public void requestProgress() {
    if (!ended) {
      hub.requestProgress(this);
    }
  }

  // ---- called by the hub ----

  /** Queues a response if the queue has room; false if it is full. */
  boolean offer(WatchResponse response) {
    if (queued.get() >= queueLimit) {
      return false;
    }
    push(new Item(Kind.RESPONSE, response, null));
    return true;
  }

  /** Queues a response whatever the queue holds (catch-up batches, upstream responses). */
  void force(WatchResponse response) {
    push(new Item(Kind.RESPONSE, response, null));
  }

  /** Queues {@code onError(error)}; the watcher stays as it is. */
  void failLater(Throwable error) {
    push(new Item(Kind.ERROR, null, error));
  }

  /** Marks the watcher ended and queues its one {@code onCompleted}. */
  void completeLater() {
    ended = true;
    if (completionQueued.compareAndSet(false, true)) {
      push(new Item(Kind.COMPLETED, null, null));
    }
  }

  /** Asks the drain that empties the queue to hand the watcher back to the hub. */
  void resumeWhenDrained() {
    resumeWanted.set(true);
    schedule();
  }

  boolean isClosedByClient() {
    return closedByClient.get();
  }

  int queued() {
    return queued.get();
  }

  // ---- delivery ----

  private void push(Item item) {
    queue.add(item);
    queued.incrementAndGet();
    schedule();
  }

  private void schedule() {
    if (draining.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    for (int i = 0; i < DRAIN_BATCH; i++) {
      Item item = queue.poll();
      if (item == null) {
        break;
      }
      queued.decrementAndGet();
      deliver(item);
    }
    if (queue.isEmpty() && resumeWanted.compareAndSet(true, false)) {
      hub.resume(this);
    }
    draining.set(false);
    if ((!queue.isEmpty() || resumeWanted.get()) && draining.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void deliver(Item item) {
    // jetcd propagates nothing but onCompleted once the client closed the watcher.
    if (closedByClient.get() && item.kind() != Kind.COMPLETED) {
      return;
    }
    try {
      switch (item.kind()) {
        case RESPONSE -> listener.onNext(item.response());
        case ERROR -> listener.onError(item.error());
        case COMPLETED -> listener.onCompleted();
      }
    } catch (RuntimeException e) {
      hub.countListenerFailure();
      if (!failureLogged) {
        failureLogged = true;
        LOG.warn("watch listener {} on {} threw; later failures of it are not logged", id, request.range(), e);
      }
    }
  }
}
