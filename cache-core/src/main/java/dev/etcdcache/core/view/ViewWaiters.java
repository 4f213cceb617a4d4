package dev.etcdcache.core.view;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Futures waiting for a view to publish a version at or past a revision. A waiter is queued and a
 * version released under one lock, after the version is visible, so no waiter misses the version
 * that satisfies it. Futures complete on the view's executor, never on the apply thread.
 *
 * <p>Thread-safe.
 *
 * @param <T> the object type
 */
final class ViewWaiters<T> {

  private record Waiter<T>(long revision, CompletableFuture<ViewVersion<T>> future) {}

  private final AtomicReference<ViewVersion<T>> current;
  private final Executor executor;
  private final PriorityQueue<Waiter<T>> queue =
      new PriorityQueue<>((a, b) -> Long.compare(a.revision(), b.revision()));
  private Throwable failure;

  ViewWaiters(AtomicReference<ViewVersion<T>> current, Executor executor) {
    this.current = current;
    this.executor = executor;
  }

  /** A future of the first published version at or past {@code revision}. */
  CompletableFuture<ViewVersion<T>> await(long revision) {
    ViewVersion<T> now = current.get();
    if (now != null && now.revision() >= revision) {
      return CompletableFuture.completedFuture(now);
    }
    CompletableFuture<ViewVersion<T>> future = new CompletableFuture<>();
    synchronized (this) {
      if (failure != null) {
        return CompletableFuture.failedFuture(failure);
      }
      now = current.get();
      if (now != null && now.revision() >= revision) {
        return CompletableFuture.completedFuture(now);
      }
      queue.add(new Waiter<>(revision, future));
    }
    return future;
  }

  /** Completes the waiters {@code version} satisfies; call after publishing it. */
  void release(ViewVersion<T> version) {
    List<Waiter<T>> done = new ArrayList<>();
    synchronized (this) {
      while (!queue.isEmpty() && queue.peek().revision() <= version.revision()) {
        done.add(queue.poll());
      }
    }
    if (!done.isEmpty()) {
      executor.execute(() -> done.forEach(w -> w.future().complete(version)));
    }
  }

  /** Fails every waiter, now and later, on close. */
  void failAll(Throwable cause) {
    List<Waiter<T>> all;
    synchronized (this) {
      failure = cause;
      all = new ArrayList<>(queue);
      queue.clear();
    }
    all.forEach(w -> w.future().completeExceptionally(cause));
  }
}
