package dev.etcdcache.adapter.cilium;

import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.api.Query;
import dev.etcdcache.api.ReadConsistency;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cilium's lookups over a typed view of its kvstore: keeps a {@link CiliumState} current with the
 * view and tells {@link CiliumListener}s about identity and IP cache changes.
 *
 * <pre>{@code
 * CiliumAdapter adapter = CiliumAdapter.create();
 * CacheView<CiliumObject> view = client.view(adapter.keys().viewPrefix(), adapter);
 * CiliumCache cilium = CiliumCache.open(view).join();
 * IpIdentity e = cilium.state().lookup(addressBytes);   // longest-prefix match, no allocation
 * }</pre>
 *
 * <h2>Threads and consistency</h2>
 * One writer: the view's typed watch delivers changes serially in revision order; each one is
 * applied to a copy-on-write successor of the current state ({@link StateBuilder}), which is then
 * published through one volatile field. Readers on any thread call {@link #state()} and get an
 * immutable state exact at its {@link CiliumState#revision()}; every lookup on that one state
 * answers at the same revision. The view delivers a revision's changes one key at a time, so when a
 * single etcd revision changes several Cilium keys (a transaction or ranged delete, which Cilium's
 * own writers do not issue for these keys) a reader may see part of that revision, as Cilium's
 * agent does, which also applies kvstore events one by one.
 *
 * <p>The cache starts from the view's latest snapshot and watches from the revision after it, so
 * no change is missed or applied twice. If the watch fails (its start revision was compacted
 * before it began), the state stops moving, {@link #failure()} says why, and waiting futures fail.
 */
public final class CiliumCache implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CiliumCache.class);

  private final CopyOnWriteArrayList<CiliumListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong listenerFailures = new AtomicLong();
  private final List<Waiter> waiters = new ArrayList<>();
  private final AutoCloseable watch;
  private volatile CiliumState state;
  /** Changes of the revision being delivered, published together at its end; listener thread only. */
  private StateBuilder pending;
  private volatile Throwable failure;
  private volatile boolean failureLogged;

  private CiliumCache(CacheView<CiliumObject> view, CacheSnapshot<CiliumObject> start, boolean inline) {
    StateBuilder builder = new StateBuilder(CiliumState.empty(start.revision()));
    List<String> keys = start.keys(Query.all());
    List<CiliumObject> objects = start.list(Query.all());
    for (int i = 0; i < keys.size(); i++) {
      builder.apply(keys.get(i), null, objects.get(i), Math.max(1, start.revision()));
    }
    state = builder.build(start.revision());
    CacheEventListener<CiliumObject> applier = new Applier();
    watch = view.watch(start.revision() + 1, Query.all(), inline ? CacheEventListener.inline(applier) : applier);
  }

  /**
   * Starts the lookups over {@code view}, a view decoded by a {@link CiliumAdapter} over its
   * {@link CiliumKeys#viewPrefix()} (or any prefix holding the Cilium areas wanted). Completes,
   * on the view's executor, once the view has been built and the first state built from its
   * serializable snapshot; fails as that snapshot fails (view closed, consistent-read timeout).
   */
  public static CompletableFuture<CiliumCache> open(CacheView<CiliumObject> view) {
    Objects.requireNonNull(view, "view");
    return open(view, false);
  }

  /**
   * As {@link #open(CacheView)}, but the state is updated and the {@link CiliumListener}s are
   * called inline by the cache's applier (its apply thread, or for a small revision jetcd's event
   * loop that received it), right after the view published each revision, with
   * no hand-off to a delivery thread ({@link CacheEventListener#inline}): the lowest
   * change-to-listener latency. Only for listeners that never block: while one runs, the cache
   * applies nothing. Futures of {@link #awaitRevision} complete on that thread too, so chain only
   * cheap stages on them (or use the {@code ...Async} forms).
   */
  public static CompletableFuture<CiliumCache> openInline(CacheView<CiliumObject> view) {
    return open(view, true);
  }

  private static CompletableFuture<CiliumCache> open(CacheView<CiliumObject> view, boolean inline) {
    Objects.requireNonNull(view, "view");
    // A serializable snapshot still waits for the view's first build; latest() would not.
    return view.snapshot(ReadConsistency.SERIALIZABLE).thenApply(start -> new CiliumCache(view, start, inline));
  }

  /** The latest published state, at once; never goes back in time. */
  public CiliumState state() {
    return state;
  }

  /**
   * A future completed with the first published state at or past {@code revision}, on the thread
   * that publishes it (at once if the current state is there). The state only moves on changes
   * under the view's prefix, so wait only for revisions of such changes. Fails if the watch fails.
   */
  public CompletableFuture<CiliumState> awaitRevision(long revision) {
    CompletableFuture<CiliumState> f = new CompletableFuture<>();
    synchronized (waiters) {
      CiliumState now = state;
      if (now.revision() >= revision) {
        f.complete(now);
        return f;
      }
      if (failure != null) {
        f.completeExceptionally(failure);
        return f;
      }
      waiters.add(new Waiter(revision, f));
    }
    return f;
  }

  /** Registers {@code listener} for changes published after this call; close the result to remove it. */
  public AutoCloseable addListener(CiliumListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** How many listener callbacks threw since the cache opened. */
  public long listenerFailures() {
    return listenerFailures.get();
  }

  /** Why the cache stopped following the view, or null while it follows it. */
  public Throwable failure() {
    return failure;
  }

  /** Stops following the view (the view itself stays open); the last state stays readable. */
  @Override
  public void close() {
    try {
      watch.close();
    } catch (Exception e) {
      LOG.warn("closing the Cilium cache's view watch failed", e);
    }
  }

  // --- the one writer ------------------------------------------------------------------------

  private void apply(CacheEvent<CiliumObject> event) {
    if (pending == null) {
      pending = new StateBuilder(state);
    }
    pending.apply(event.key(), event.previous(), event.object(), event.revision());
  }

  /** Publishes every change of {@code revision} at once, so no reader sees part of a revision. */
  private void publish(long revision) {
    StateBuilder builder = pending;
    if (builder == null) {
      return;
    }
    pending = null;
    CiliumState next = builder.build(revision);
    state = next;
    for (IdentityChange c : builder.identityChanges()) {
      for (CiliumListener l : listeners) {
        guarded(() -> l.onIdentityChange(c));
      }
    }
    for (IpMappingChange c : builder.ipChanges()) {
      for (CiliumListener l : listeners) {
        guarded(() -> l.onIpMappingChange(c));
      }
    }
    // After the listeners, so a caller woken by awaitRevision has seen this revision's callbacks.
    completeWaiters(next);
  }

  private void completeWaiters(CiliumState next) {
    List<Waiter> ready = new ArrayList<>();
    synchronized (waiters) {
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (w.revision <= next.revision()) {
          ready.add(w);
          it.remove();
        }
      }
    }
    // Completed outside the lock: dependent stages run here and may call awaitRevision again.
    ready.forEach(w -> w.future.complete(next));
  }

  private void guarded(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
      if (!failureLogged) {
        failureLogged = true;
        LOG.warn("a Cilium listener threw; counted, further failures are not logged", e);
      }
    }
  }

  private final class Applier implements CacheEventListener<CiliumObject> {
    @Override
    public void onEvent(CacheEvent<CiliumObject> event) {
      apply(event);
    }

    @Override
    public void onRevisionEnd(long revision) {
      publish(revision);
    }

    @Override
    public void onError(Throwable error) {
      List<Waiter> pending;
      synchronized (waiters) {
        failure = error;
        pending = new ArrayList<>(waiters);
        waiters.clear();
      }
      LOG.warn("the Cilium cache stopped following its view", error);
      pending.forEach(w -> w.future.completeExceptionally(error));
    }
  }

  private record Waiter(long revision, CompletableFuture<CiliumState> future) {}
}
