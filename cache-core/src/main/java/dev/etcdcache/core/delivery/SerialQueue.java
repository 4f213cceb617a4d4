package dev.etcdcache.core.delivery;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watcher's bounded delivery queue: items are handed to one consumer, one at a time and in the
 * order they were added, on an executor. Both the watch hub's watchers and the views' watchers
 * deliver through it, so a slow listener costs a bounded queue and delays nobody but itself.
 *
 * <h2>Threads</h2>
 * Any thread may add items. At most one drain task runs at a time ({@link #draining}), so the
 * consumer is never called concurrently with itself. A drain hands over at most
 * {@value #DRAIN_BATCH} items and then resubmits itself, so a busy queue does not hold an executor
 * thread while other queues wait.
 *
 * <h2>Bound and lagging</h2>
 * {@link #offer} refuses an item once {@code bound} items are queued; {@link #add} queues whatever
 * the queue holds (catch-up batches, responses that must not be lost). Every queued item counts
 * towards the bound. The owner of a queue that refused an item calls {@link #notifyWhenDrained()}:
 * the next drain that leaves the queue empty runs the {@code whenDrained} callback once, on the
 * delivery thread, so the owner can catch the watcher up instead of queueing without limit.
 *
 * <h2>Inline</h2>
 * A queue made by {@link #inline} has no executor: the thread that adds an item (or asks for the
 * drained callback) drains the queue itself, at once, unless another thread is draining it, which
 * then hands over that item too before it lets go. So items are still handed over one at a time
 * and in order, without a thread hand-off; the consumer runs on the adding thread (for the watch
 * hub, the mirror's apply thread). A consumer of an inline queue must not block and must not throw.
 *
 * <h2>Backlog</h2>
 * The {@link Sink} learns, with each item, how many were queued behind it when it was handed over,
 * and when a hand-over ends (the drain lets go of the queue). A consumer that is behind can hold a
 * few items and pass them on as one, knowing the end of the hand-over is its cue to let go of them;
 * one that keeps up sees 0 behind every item.
 *
 * <h2>Stopping</h2>
 * {@link #close()} discards what is queued and everything added later; a callback already running
 * completes. If the executor refuses a drain (it was shut down) the queue is discarded the same way:
 * nothing queued can be delivered any more.
 *
 * <p>Thread-safe. Internal, no compatibility promise.
 *
 * @param <E> the item type
 */
public final class SerialQueue<E> {

  private static final Logger LOG = LoggerFactory.getLogger(SerialQueue.class);
  /** Items per drain task: small enough that one busy queue does not starve the others. */
  static final int DRAIN_BATCH = 64;

  /**
   * Receives a queue's items, one at a time, in order. Only {@link #accept} is required.
   *
   * @param <E> the item type
   */
  @FunctionalInterface
  public interface Sink<E> {
    /**
     * Takes the next item.
     *
     * @param behind how many items were queued after this one when it was handed over (0: the
     *     consumer has caught up); they follow in this hand-over, or in the next
     */
    void accept(E item, int behind);

    /**
     * The hand-over of one or more items ended and the drain lets go of the queue: whatever the sink
     * held back to pass on with later items must go now. Never called concurrently with
     * {@link #accept}.
     */
    default void handOverEnded() { }
  }

  /** Runs the drain tasks; null for an inline queue, drained by the thread that adds. */
  private final Executor executor;
  private final int bound;
  private final Sink<? super E> consumer;
  private final Runnable whenDrained;
  private final Queue<E> items = new ConcurrentLinkedQueue<>();
  /** Items queued and not yet handed over; counted apart because the queue's size() is linear. */
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean drainedWanted = new AtomicBoolean();
  private volatile boolean closed;

  /**
   * @param executor runs the drain tasks
   * @param bound how many items {@link #offer} accepts before it refuses
   * @param consumer receives each item, on the executor, one at a time; an exception it throws is
   *     the owner's to guard, and ends only that drain task's batch early (its hand-over still ends)
   * @param whenDrained run on the executor after {@link #notifyWhenDrained()}, once the queue is empty
   */
  public SerialQueue(Executor executor, int bound, Sink<? super E> consumer, Runnable whenDrained) {
    this(Objects.requireNonNull(executor, "executor"), bound, consumer, whenDrained, false);
  }

  private SerialQueue(Executor executor, int bound, Sink<? super E> consumer, Runnable whenDrained,
      boolean inline) {
    if (bound < 1) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    this.executor = inline ? null : executor;
    this.bound = bound;
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.whenDrained = Objects.requireNonNull(whenDrained, "whenDrained");
  }

  /**
   * A queue drained by the thread that adds to it, with no executor and no hand-off (see the class
   * comment); otherwise as {@link #SerialQueue(Executor, int, Sink, Runnable)}.
   */
  public static <E> SerialQueue<E> inline(int bound, Sink<? super E> consumer, Runnable whenDrained) {
    return new SerialQueue<>(null, bound, consumer, whenDrained, true);
  }

  /** Whether the adding thread drains this queue (no executor). */
  public boolean isInline() {
    return executor == null;
  }

  /** Queues {@code item} if fewer than {@code bound} items are queued; false if the queue is full. */
  public boolean offer(E item) {
    if (queued.get() >= bound) {
      return false;
    }
    add(item);
    return true;
  }

  /** Queues {@code item} whatever the queue holds. A no-op once closed. */
  public void add(E item) {
    if (closed) {
      return;
    }
    items.add(item);
    queued.incrementAndGet();
    schedule();
  }

  /**
   * Asks for the {@code whenDrained} callback once: the next drain that leaves the queue empty runs
   * it (at once, on the executor, if the queue is empty now).
   */
  public void notifyWhenDrained() {
    drainedWanted.set(true);
    schedule();
  }

  /** Items queued now and not yet handed to the consumer. */
  public int size() {
    return queued.get();
  }

  /** Discards what is queued and everything added later; no callback follows, one running completes. */
  public void close() {
    closed = true;
    discard();
  }

  // ---- the drain, on the executor ----

  private void schedule() {
    if (draining.compareAndSet(false, true)) {
      if (executor == null) {
        drainHere();
      } else {
        submit();
      }
    }
  }

  /**
   * Drains on this thread until the queue is empty, for an inline queue; called holding
   * {@link #draining}. A loop, not a resubmit: an item another thread added while this one was
   * handing over the last is picked up here, and the stack does not grow per batch.
   */
  private void drainHere() {
    do {
      try {
        drainBatch(Integer.MAX_VALUE);
      } finally {
        draining.set(false);
      }
    } while (!closed && (!items.isEmpty() || drainedWanted.get()) && draining.compareAndSet(false, true));
  }

  private void submit() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The executor was shut down with the client: nothing queued can be delivered any more.
      LOG.debug("delivery executor refused a drain; discarding {} queued items", queued.get());
      draining.set(false);
      discard();
    }
  }

  private void drain() {
    try {
      drainBatch(DRAIN_BATCH);
    } finally {
      draining.set(false);
    }
    if (!closed && (!items.isEmpty() || drainedWanted.get()) && draining.compareAndSet(false, true)) {
      submit();
    }
  }

  /** Hands over up to {@code limit} items, then the drained callback if wanted and empty. */
  private void drainBatch(int limit) {
    int handed = 0;
    try {
      while (handed < limit) {
        E item = items.poll();
        if (item == null) {
          break;
        }
        handed++;
        consumer.accept(item, queued.decrementAndGet());
      }
    } finally {
      if (handed > 0) {
        consumer.handOverEnded();
      }
    }
    // Before draining is released, so that items the callback queues are drained by this drain
    // (its resubmit or its loop) rather than by a second concurrent one.
    if (!closed && items.isEmpty() && drainedWanted.compareAndSet(true, false)) {
      whenDrained.run();
    }
  }

  private void discard() {
    while (items.poll() != null) {
      queued.decrementAndGet();
    }
    drainedWanted.set(false);
  }
}
