package dev.etcdcache.core.mirror;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The mirror's apply executor with one applier at a time: every task runs on the caller's
 * single-threaded executor holding this lane's lock, and a thread that finds the lane empty (no
 * task posted and unfinished) may run a task itself, holding the same lock, instead of posting it
 * and waking the apply thread. The upstream watch's receiving thread uses that for small responses
 * (see {@link WatchLoop}): it saves the hand-off, a thread wake-up per revision.
 *
 * <p>What it promises: tasks posted with {@link #execute} (and {@code submit}) run in the order
 * posted; a task {@link #runHere run here} runs only after every task posted before it finished;
 * no two tasks ever run at once, so the mirror's state needs no other guard (the lock's release
 * and acquisition order each task's effects before the next one's). Delayed and periodic tasks
 * ({@code schedule…}) are ordered with nothing, as before; they too hold the lock while they run.
 *
 * <p>Thread-safe.
 */
final class ApplyLane extends AbstractExecutorService implements ScheduledExecutorService {

  private final ScheduledExecutorService thread;
  private final ReentrantLock lock = new ReentrantLock();
  /** Tasks posted with {@link #execute} that have not finished yet (queued or running). */
  private final AtomicInteger pending = new AtomicInteger();

  ApplyLane(ScheduledExecutorService thread) {
    this.thread = thread;
  }

  /**
   * Runs {@code task} on the calling thread if the lane is empty and free, and says whether it
   * did; if not, the caller posts it (so it runs after everything posted before).
   */
  boolean runHere(Runnable task) {
    if (pending.get() != 0 || !lock.tryLock()) {
      return false;
    }
    try {
      // Checked again under the lock: a task posted before may have been taken off the queue and
      // be about to take the lock; it must run first.
      if (pending.get() != 0 || thread.isShutdown()) {
        return false;
      }
      task.run();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Whether the calling thread is the applier now (the apply thread in a task, or a thread in {@link #runHere}). */
  boolean isCurrentApplier() {
    return lock.isHeldByCurrentThread();
  }

  @Override
  public void execute(Runnable task) {
    pending.incrementAndGet();
    try {
      thread.execute(() -> {
        lock.lock();
        try {
          task.run();
        } finally {
          pending.decrementAndGet();
          lock.unlock();
        }
      });
    } catch (RejectedExecutionException e) {
      pending.decrementAndGet();
      throw e;
    }
  }

  private Runnable exclusive(Runnable task) {
    return () -> {
      lock.lock();
      try {
        task.run();
      } finally {
        lock.unlock();
      }
    };
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return thread.schedule(exclusive(task), delay, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> task, long delay, TimeUnit unit) {
    return thread.schedule(() -> {
      lock.lock();
      try {
        return task.call();
      } finally {
        lock.unlock();
      }
    }, delay, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
    return thread.scheduleAtFixedRate(exclusive(task), initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, long initialDelay, long delay, TimeUnit unit) {
    return thread.scheduleWithFixedDelay(exclusive(task), initialDelay, delay, unit);
  }

  @Override
  public void shutdown() {
    thread.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    return thread.shutdownNow();
  }

  @Override
  public boolean isShutdown() {
    return thread.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return thread.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return thread.awaitTermination(timeout, unit);
  }
}
