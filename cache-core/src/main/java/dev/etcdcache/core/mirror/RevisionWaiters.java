package dev.etcdcache.core.mirror;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Futures waiting for a published version (the mirror's store versions, a view's versions) to
 * reach a revision. A waiter is queued and a version released under one lock, after the version is
 * visible, so no waiter misses the version that satisfies it. Futures complete on the callback
 * executor, never on the publishing (apply) thread. A waiter whose future completes some other way
 * (a caller's timeout, a cancel) leaves the queue at once, so a stuck mirror holds no dead waiters.
 *
 * <p>Thread-safe.
 *
 * @param <V> the published version type
 */
public final class RevisionWaiters<V> {

  private record Waiter<V>(long revision, CompletableFuture<V> future) {}

  private final Supplier<V> current;
  private final ToLongFunction<V> revisionOf;
  private final Executor callbacks;
  private final PriorityQueue<Waiter<V>> queue =
      new PriorityQueue<>((a, b) -> Long.compare(a.revision(), b.revision()));
  private Throwable failure;

  /**
   * Waiters on the versions {@code current} publishes, whose revision is {@code revisionOf}, with
   * futures completed on {@code callbacks}.
   */
  public RevisionWaiters(Supplier<V> current, ToLongFunction<V> revisionOf, Executor callbacks) {
    this.current = current;
    this.revisionOf = revisionOf;
    this.callbacks = callbacks;
  }

  /** A future of the first published version at or past {@code revision}. */
  public CompletableFuture<V> await(long revision) {
    V now = current.get();
    if (now != null && revisionOf.applyAsLong(now) >= revision) {
      return CompletableFuture.completedFuture(now);
    }
    CompletableFuture<V> future = new CompletableFuture<>();
    Waiter<V> waiter = new Waiter<>(revision, future);
    synchronized (this) {
      if (failure != null) {
        return CompletableFuture.failedFuture(failure);
      }
      now = current.get();
      if (now != null && revisionOf.applyAsLong(now) >= revision) {
        return CompletableFuture.completedFuture(now);
      }
      queue.add(waiter);
    }
    future.whenComplete((v, t) -> {
      if (t != null) {
        synchronized (this) {
          queue.remove(waiter);
        }
      }
    });
    return future;
  }

  /** Completes every waiter that {@code version} satisfies; call after publishing it. */
  public void release(V version) {
    long revision = revisionOf.applyAsLong(version);
    List<Waiter<V>> done = new ArrayList<>();
    synchronized (this) {
      while (!queue.isEmpty() && queue.peek().revision() <= revision) {
        done.add(queue.poll());
      }
    }
    if (!done.isEmpty()) {
      callbacks.execute(() -> done.forEach(w -> w.future().complete(version)));
    }
  }

  /** Waiters queued now (timed-out ones are gone). */
  public synchronized int size() {
    return queue.size();
  }

  /** Fails every waiter, now and later, on close. */
  public void failAll(Throwable cause) {
    List<Waiter<V>> all;
    synchronized (this) {
      failure = cause;
      all = new ArrayList<>(queue);
      queue.clear();
    }
    all.forEach(w -> w.future().completeExceptionally(cause));
  }
}
