package dev.etcdcache.core.view;

import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.Query;
import dev.etcdcache.core.delivery.InlineBudget;
import dev.etcdcache.core.delivery.SerialQueue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One typed watch on a view: its query, its listener and its own {@link SerialQueue}, drained
 * serially on the view's executor.
 *
 * <h2>Threads</h2>
 * The apply thread only enqueues a revision's changes ({@link #offer}); everything per watcher
 * (testing the query, building events, calling the listener) happens in the drain, off the apply
 * thread. The queue hands over one item at a time, so the listener sees one callback at a time, in
 * revision order.
 *
 * <p>An inline watcher ({@link CacheEventListener#runsInline()}) has no executor: the thread that
 * offers drains, so live changes are judged and delivered on the apply thread right after the view
 * published them. Its callbacks are timed against {@link InlineBudget}.
 *
 * <h2>Entering and leaving the query</h2>
 * As in Kubernetes' watch cache, a change is judged by whether the object matched the query before
 * and after it: matched only after is {@code CREATED}, only before is {@code DELETED} (with the
 * object before as {@code previous}), both is {@code UPDATED}. Index values are computed again here
 * with the index functions, which must be deterministic.
 *
 * <h2>Slow listeners</h2>
 * The queue holds at most {@code queueLimit} revisions. A revision that would overflow it marks the
 * watcher lagging: it gets nothing more until its listener has drained the queue, then the view
 * catches it up from its history in one step (or, if it fell off the history, ends it with etcd's
 * compaction error, after which the caller lists again, as with Kubernetes' "410 Gone"). So a slow
 * listener costs a bounded queue, loses nothing and delays nobody else.
 *
 * @param <T> the object type
 */
final class ViewWatcher<T> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ViewWatcher.class);

  private final Query<T> query;
  private final CacheEventListener<T> listener;
  private final Runnable onClose;
  private final Consumer<ViewWatcher<T>> onDrainedWhileLagging;
  /** Revision changes, and at most one failure that ends the watch. */
  private final SerialQueue<Object> queue;
  /** Times an inline watcher's callbacks; null for a queued one. */
  private final InlineBudget budget;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile boolean failureLogged;
  /** Changes before this revision are not delivered; set on the apply thread before any offer. */
  private volatile long startRevision = Long.MAX_VALUE;
  /** Set on the apply thread when the queue overflowed; cleared there when caught up. */
  private volatile boolean lagging;
  /** The first revision a lagging watcher missed; apply thread only. */
  private long missedFrom;

  /**
   * @param executor runs the listener's callbacks; null for an inline watcher
   * @param onSlow told of each inline callback slower than {@link InlineBudget#SLOW_NANOS}
   * @param queueLimit how many revisions may wait for the listener before the watcher lags
   * @param onDrainedWhileLagging called (on a delivery thread) once a lagging watcher's listener
   *     has drained its queue; the view answers with {@link #catchUp} or {@link #fail} on the apply
   *     thread
   */
  ViewWatcher(Query<T> query, CacheEventListener<T> listener, Executor executor, int queueLimit,
      Consumer<ViewWatcher<T>> onDrainedWhileLagging, Runnable onClose, java.util.function.LongConsumer onSlow) {
    this.query = query;
    this.listener = listener;
    this.onDrainedWhileLagging = onDrainedWhileLagging;
    this.onClose = onClose;
    if (executor == null) {
      this.queue = SerialQueue.inline(queueLimit, (item, behind) -> handle(item), this::drainedWhileLagging);
      this.budget = new InlineBudget("view watch " + query, onSlow);
    } else {
      this.queue = new SerialQueue<>(executor, queueLimit, (item, behind) -> handle(item), this::drainedWhileLagging);
      this.budget = null;
    }
  }

  Query<T> query() {
    return query;
  }

  /** Delivers changes at {@code revision} and later. */
  void startAt(long revision) {
    startRevision = revision;
  }

  /**
   * Queues one live revision's changes, if at or past the start revision. Apply thread only.
   *
   * @return false if this offer overflowed the queue and made the watcher lagging
   */
  boolean offer(RevisionChanges<T> changes) {
    if (ended.get() || changes.revision() < startRevision || lagging) {
      return true;
    }
    if (!queue.offer(changes)) {
      lagging = true;
      missedFrom = changes.revision();
      queue.notifyWhenDrained();
      return false;
    }
    return true;
  }

  /** Queues replayed changes whatever the queue holds (replays are bounded by the history). */
  void replay(RevisionChanges<T> changes) {
    if (!ended.get() && changes.revision() >= startRevision) {
      queue.add(changes);
    }
  }

  boolean isLagging() {
    return lagging;
  }

  /** The first revision a lagging watcher missed. Apply thread only. */
  long missedFrom() {
    return missedFrom;
  }

  /** Ends lagging with the missed changes, taken from the history. Apply thread only. */
  void catchUp(Iterable<RevisionChanges<T>> missed) {
    // Cleared first: a drain that empties the queue while the replay is still being queued must not
    // ask for a second catch-up.
    lagging = false;
    missed.forEach(this::replay);
  }

  /** Ends the watch with {@code failure}, after what is already queued. */
  void fail(Throwable failure) {
    if (!ended.get()) {
      queue.add(failure);
    }
  }

  boolean isEnded() {
    return ended.get();
  }

  /** Stops delivery at once; a callback already running completes. */
  @Override
  public void close() {
    if (ended.compareAndSet(false, true)) {
      queue.close();
      onClose.run();
    }
  }

  // ---- the drain, on the executor ----

  @SuppressWarnings("unchecked")
  private void handle(Object item) {
    if (ended.get()) {
      return;
    }
    if (item instanceof Throwable failure) {
      ended.set(true);
      queue.close();
      guarded(() -> listener.onError(failure));
      onClose.run();
    } else {
      deliver((RevisionChanges<T>) item);
    }
  }

  private void drainedWhileLagging() {
    if (!ended.get() && lagging) {
      onDrainedWhileLagging.accept(this);
    }
  }

  private void deliver(RevisionChanges<T> changes) {
    boolean delivered = false;
    for (KeyChange<T> c : changes.changes()) {
      if (ended.get()) {
        return;
      }
      boolean before = c.previous() != null && matches(query, c, false);
      boolean after = c.current() != null && matches(query, c, true);
      CacheEvent<T> event;
      if (before && after) {
        event = new CacheEvent<>(CacheEvent.Type.UPDATED, c.keyString(), c.current(), c.previous(), changes.revision());
      } else if (after) {
        event = new CacheEvent<>(CacheEvent.Type.CREATED, c.keyString(), c.current(), null, changes.revision());
      } else if (before) {
        event = new CacheEvent<>(CacheEvent.Type.DELETED, c.keyString(), null, c.previous(), changes.revision());
      } else {
        continue;
      }
      guarded(() -> listener.onEvent(event));
      delivered = true;
    }
    if (delivered && !ended.get()) {
      guarded(() -> listener.onRevisionEnd(changes.revision()));
    }
  }

  /** Whether one side of {@code change} matches {@code q}, with index values shared across watchers. */
  static <T> boolean matches(Query<T> q, KeyChange<T> change, boolean current) {
    if (q instanceof Query.Eq<T> eq) {
      return change.indexValues(eq.index(), current).contains(eq.value());
    }
    if (q instanceof Query.And<T> and) {
      return matches(and.left(), change, current) && matches(and.right(), change, current);
    }
    if (q instanceof Query.Or<T> or) {
      return matches(or.left(), change, current) || matches(or.right(), change, current);
    }
    return matches(q, change.key(), current ? change.current() : change.previous());
  }

  /** Whether {@code object} at {@code key} matches {@code q}; an index function failing means no. */
  static <T> boolean matches(Query<T> q, byte[] key, T object) {
    if (q instanceof Query.All<T>) {
      return true;
    }
    if (q instanceof Query.KeyPrefix<T> p) {
      byte[] prefix = p.keyPrefix().getBytes(StandardCharsets.UTF_8);
      return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
    if (q instanceof Query.Eq<T> eq) {
      return ViewMaintainer.holds(eq.index(), object, eq.value());
    }
    if (q instanceof Query.And<T> and) {
      return matches(and.left(), key, object) && matches(and.right(), key, object);
    }
    Query.Or<T> or = (Query.Or<T>) q;
    return matches(or.left(), key, object) || matches(or.right(), key, object);
  }

  private void guarded(Runnable callback) {
    long started = budget == null ? 0 : InlineBudget.start();
    try {
      callback.run();
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError vm) {
        throw vm; // the JVM is failing, not the listener
      }
      if (!failureLogged) {
        failureLogged = true;
        LOG.warn("a view watch listener threw; the watch goes on (logged once per watcher)", e);
      }
    } finally {
      if (budget != null) {
        budget.finished(started);
      }
    }
  }
}
