package dev.etcdcache.core.mirror;

import dev.etcdcache.core.store.StoreVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Futures waiting for the mirror to reach a revision. A waiter is added and a version published
 * under one lock, after the version is visible, so no waiter misses the version that satisfies it.
 * Futures complete on the callback executor, never on the apply thread.
 */
final class RevisionWaiters {

  private record Waiter(long revision, CompletableFuture<StoreVersion> future) {}

  private final AtomicReference<StoreVersion> current;
  private final Executor callbacks;
  private final PriorityQueue<Waiter> queue =
      new PriorityQueue<>((a, b) -> Long.compare(a.revision(), b.revision()));

  RevisionWaiters(AtomicReference<StoreVersion> current, Executor callbacks) {
    this.current = current;
    this.callbacks = callbacks;
  }

  /** A future of the first published version at or past {@code revision}. */
  CompletableFuture<StoreVersion> await(long revision) {
    StoreVersion now = current.get();
    if (now != null && now.revision() >= revision) {
      return CompletableFuture.completedFuture(now);
    }
    CompletableFuture<StoreVersion> future = new CompletableFuture<>();
    synchronized (this) {
      now = current.get();
      if (now != null && now.revision() >= revision) {
        return CompletableFuture.completedFuture(now);
      }
      queue.add(new Waiter(revision, future));
    }
    return future;
  }

  /** Completes every waiter that {@code version} satisfies; call after publishing it. */
  void release(StoreVersion version) {
    List<Waiter> done = new ArrayList<>();
    synchronized (this) {
      while (!queue.isEmpty() && queue.peek().revision() <= version.revision()) {
        done.add(queue.poll());
      }
    }
    if (!done.isEmpty()) {
      callbacks.execute(() -> done.forEach(w -> w.future().complete(version)));
    }
  }

  /** Fails every waiter, on close. */
  void failAll(Throwable cause) {
    List<Waiter> all;
    synchronized (this) {
      all = new ArrayList<>(queue);
      queue.clear();
    }
    all.forEach(w -> w.future().completeExceptionally(cause));
  }
}
