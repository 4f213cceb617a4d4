package dev.etcdcache.core.watch;

import dev.etcdcache.core.delivery.InlineBudget;
import dev.etcdcache.core.delivery.SerialQueue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client watcher of the hub: its request, its state (where the hub serves it from) and its own
 * bounded {@link SerialQueue} to the listener. The state changes only through this class's methods.
 *
 * <h2>States</h2>
 * <pre>
 *   PENDING --goLive--> LIVE --offerLive refused--> LAGGING --goLive--> LIVE
 *      |                  |                            |
 *      +------------------+----moveToUpstream----------+--> UPSTREAM --rejoin--> LAGGING
 *   PENDING --markInert--> INERT          any --end--> ENDED
 * </pre>
 * LIVE and LAGGING watchers are in the hub's {@link FanOut} index ({@link #isIndexed()}).
 *
 * <h2>Threads</h2>
 * The state, {@code startRevision}, {@code nextRevision} and the progress flag belong to the
 * mirror's apply thread: methods documented "apply thread only" must run there. The state is
 * volatile so that other threads may read it for counters. The queue is filled by the apply thread
 * (events, progress) or by jetcd's event loop (a watcher served by its own upstream watch) and
 * drained one callback at a time on the delivery executor, in queue order.
 *
 * <p>An <em>inline</em> watcher ({@link SerialQueue#inline}) has no delivery executor: whoever adds
 * to its queue drains it, so live responses reach the listener on the apply thread, right after the
 * revision was published, and responses of its own upstream watch on jetcd's thread; still one at a
 * time and in queue order. Each callback is timed against {@link InlineBudget}. An own upstream
 * watch's response is queued under {@code upstreamLock} (that is what keeps a rejoin exact), so an
 * inline listener runs holding it there; the apply thread's {@link #rejoin} waits for that callback,
 * one more reason an inline listener must be quick.
 *
 * <p>When {@link #offerLive} finds the queue full the watcher turns LAGGING; the drain that empties
 * the queue hands it back to its {@link Owner}, which catches it up from the history.
 *
 * <h2>Its own upstream watch</h2>
 * While UPSTREAM, etcd's responses reach the queue through {@link #acceptUpstream}, which also
 * tracks the revision through which etcd has sent this watcher every event: the last event's, or a
 * periodic progress notification's (etcd sends those only to a watcher that has every event up to
 * the revision it names; not so an answer to a progress request in etcd 3.4, so after the client
 * asked for one, notifications stop counting). {@link #rejoin} ends the own watch at that revision
 * under the same lock, so no response of it is queued after the revision the hub resumes from.
 */
final class HubWatcher implements Watch.Watcher {

  private static final Logger LOG = LoggerFactory.getLogger(HubWatcher.class);

  /** Where the hub serves this watcher from. */
  private enum State {
    /** Waiting for the revision check and registration. */
    PENDING,
    /** Indexed, fed live from the mirror. */
    LIVE,
    /** Indexed but skipped: its queue overflowed; it resumes from its next revision. */
    LAGGING,
    /** Served by its own upstream jetcd watch. */
    UPSTREAM,
    /** Failed to be created (etcd's invalid-range error): open, but receives nothing. */
    INERT,
    /** Ended: closed by the client or cancelled by the hub. */
    ENDED
  }

  /** What a watcher asks of the hub that serves it. */
  interface Owner {
    /** A lagging watcher's queue is empty (called on a delivery thread). */
    void drainedWhileLagging(HubWatcher w);

    /** The client closed {@code w} (called on the client's thread). */
    void closedByClient(HubWatcher w);

    /** The client asked for a progress notification on {@code w} alone. */
    void progressRequested(HubWatcher w);

    /** The listener threw. */
    void listenerFailed();

    /** An inline listener's callback took {@code nanos}, more than {@link InlineBudget#SLOW_NANOS}. */
    void inlineListenerSlow(long nanos);
  }

  private enum Kind { RESPONSE, ERROR, COMPLETED, HAND_OVER_ENDED }

  private record Item(Kind kind, WatchResponse response, Throwable error) {}

  /** Not queued: told to a {@link BacklogListener} when a run of deliveries ends. */
  private static final Item HAND_OVER_ENDED = new Item(Kind.HAND_OVER_ENDED, null, null);

  private final Owner owner;
  private final long id;
  private final WatchRequest request;
  private final Watch.Listener listener;
  /** The listener, when it wants to know its backlog; else null. */
  private final BacklogListener backlog;
  private final SerialQueue<Item> queue;
  /** Times the callbacks of an inline watcher; null for a queued one. */
  private final InlineBudget budget;
  private final AtomicBoolean completionQueued = new AtomicBoolean();
  private final AtomicBoolean closedByClient = new AtomicBoolean();
  private volatile boolean ended;
  private volatile boolean failureLogged;
  private volatile Watch.Watcher upstream;

  // the own upstream watch: jetcd's thread and the apply thread, under upstreamLock
  private final Object upstreamLock = new Object();
  /** Identifies the current own upstream watch: responses of any other are dropped. */
  private Object upstreamToken;
  /** etcd has sent every event up to this revision through the own upstream watch. */
  private long upstreamThrough;
  /**
   * etcd itself vouched for {@code upstreamThrough} (an event or a periodic notification came), or
   * the hub had sent every event before the own watch's start and could serve the rest: until then
   * the own watch may still be cancelled for a compaction, which only etcd may decide.
   */
  private boolean upstreamVouched;
  /** Progress requests of the client sent on the own watch and not answered yet. */
  private int progressAsked;
  /** The client asked for progress on the own watch: its notifications no longer vouch for anything. */
  private boolean progressEverAsked;

  // apply thread only
  private volatile State state = State.PENDING;
  /** A LIVE watcher is sent revisions from this one on. */
  private long startRevision;
  /** The first revision a LAGGING watcher missed. */
  private long nextRevision;
  private boolean sentSinceProgressTick;

  /**
   * @param delivery runs the listener's callbacks; null for an inline watcher, whose callbacks run on
   *     the thread that queues them (the apply thread, for live responses)
   * @param queueLimit how many responses may wait for the listener before the watcher lags
   */
  HubWatcher(Owner owner, long id, WatchRequest request, Watch.Listener listener, Executor delivery,
      int queueLimit) {
    this.owner = owner;
    this.id = id;
    this.request = request;
    this.listener = listener;
    this.backlog = listener instanceof BacklogListener b ? b : null;
    Runnable drained = () -> owner.drainedWhileLagging(this);
    SerialQueue.Sink<Item> sink = new SerialQueue.Sink<>() {
      @Override
      public void accept(Item item, int behind) {
        deliver(item, behind);
      }

      @Override
      public void handOverEnded() {
        if (backlog != null) {
          deliver(HAND_OVER_ENDED, 0);
        }
      }
    };
    if (delivery == null) {
      this.queue = SerialQueue.inline(queueLimit, sink, drained);
      this.budget = new InlineBudget(id + " on " + request.key().toString(java.nio.charset.StandardCharsets.UTF_8)
          + (request.range().isSingleKey() ? "" : " (range)"), owner::inlineListenerSlow);
    } else {
      this.queue = new SerialQueue<>(delivery, queueLimit, sink, drained);
      this.budget = null;
    }
  }

  /** Whether the listener runs inline, without a delivery thread. */
  boolean isInline() {
    return budget != null;
  }

  WatchRequest request() {
    return request;
  }

  long id() {
    return id;
  }

  // ---- Watch.Watcher: the client's threads ----

  /** Closes this watcher: nothing more is delivered but one {@code onCompleted}, as jetcd does. */
  @Override
  public void close() {
    if (closedByClient.compareAndSet(false, true)) {
      ended = true;
      owner.closedByClient(this);
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
      owner.progressRequested(this);
    }
  }

  // ---- delivery: any thread ----

  /** Queues a response whatever the queue holds (catch-up batches, upstream responses, progress). */
  void deliverLater(WatchResponse response) {
    queue.add(new Item(Kind.RESPONSE, response, null));
  }

  /** Queues {@code onError(error)}; the watcher stays as it is. */
  void failLater(Throwable error) {
    queue.add(new Item(Kind.ERROR, null, error));
  }

  /** Marks the watcher ended and queues its one {@code onCompleted}. */
  void completeLater() {
    ended = true;
    if (completionQueued.compareAndSet(false, true)) {
      queue.add(new Item(Kind.COMPLETED, null, null));
    }
  }

  boolean isClosedByClient() {
    return closedByClient.get();
  }

  /** Whether its own upstream watch serves this watcher now (an approximation off the apply thread). */
  boolean hasOpenUpstream() {
    return state == State.UPSTREAM && upstream != null;
  }

  /** Closes its own upstream watch, if it has one. */
  void closeUpstream() {
    Watch.Watcher u = upstream;
    if (u != null) {
      u.close();
    }
  }

  int queued() {
    return queue.size();
  }

  // ---- state: apply thread only (but for the marked exceptions) ----

  boolean isPending() {
    return state == State.PENDING;
  }

  boolean isLive() {
    return state == State.LIVE;
  }

  /** In the fan-out index: LIVE or LAGGING. */
  boolean isIndexed() {
    return state == State.LIVE || state == State.LAGGING;
  }

  /** LIVE and sent revisions from {@code revision} on. */
  boolean isLiveAt(long revision) {
    return state == State.LIVE && revision >= startRevision;
  }

  /** Creation failed as etcd's does: the watcher stays open, gets {@code error} and nothing else. */
  void markInert(Throwable error) {
    state = State.INERT;
    failLater(error);
  }

  /** Registered (from PENDING) or caught up (from LAGGING): sent revisions from {@code from} on. */
  void goLive(long from) {
    startRevision = from;
    state = State.LIVE;
  }

  /**
   * Queues a live response for {@code revision} if the queue has room; otherwise turns LAGGING from
   * {@code revision} and asks for the owner's catch-up once the listener has drained the queue.
   *
   * @return false if the watcher turned LAGGING
   */
  boolean offerLive(long revision, WatchResponse response) {
    if (queue.offer(new Item(Kind.RESPONSE, response, null))) {
      sentSinceProgressTick = true;
      return true;
    }
    state = State.LAGGING;
    nextRevision = revision;
    queue.notifyWhenDrained();
    return false;
  }

  boolean isLagging() {
    return state == State.LAGGING;
  }

  /** The first revision a LAGGING watcher missed. */
  long nextRevision() {
    return nextRevision;
  }

  /**
   * The first revision this indexed watcher has not been sent, when the history it was fed from ended
   * at {@code lastRevision} (a LIVE watcher has every revision up to it, or waits for a later start).
   */
  long unsentRevisionAfter(long lastRevision) {
    return state == State.LIVE ? Math.max(startRevision, lastRevision + 1) : nextRevision;
  }

  /** Sends this indexed watcher nothing before {@code revision} (kept through a re-list). */
  void holdUntil(long revision) {
    startRevision = revision;
  }

  /** Counts as sent for the progress ticker (a replay went out). */
  void markSent() {
    sentSinceProgressTick = true;
  }

  /** Whether anything was sent since the last progress tick; starts a new tick period. */
  boolean takeSentSinceProgressTick() {
    boolean sent = sentSinceProgressTick;
    sentSinceProgressTick = false;
    return sent;
  }

  /**
   * Turns UPSTREAM, unless the client already closed it (then ENDED). Called on the apply thread,
   * or on the client's thread before the watcher is published to the apply thread.
   *
   * @return false if the client closed the watcher and no upstream watch must be opened
   */
  boolean moveToUpstream() {
    if (closedByClient.get()) {
      state = State.ENDED;
      return false;
    }
    state = State.UPSTREAM;
    return true;
  }

  /**
   * Keeps {@code u}, started with {@code token}, as this watcher's own upstream watch; closed at once
   * if the client closed the watcher or it rejoined the hub meanwhile.
   */
  void attachUpstream(Object token, Watch.Watcher u) {
    boolean current;
    synchronized (upstreamLock) {
      current = token == upstreamToken;
      if (current) {
        upstream = u;
      }
    }
    if (!current || closedByClient.get()) {
      u.close();
    }
  }

  /** Asks its own upstream watch for progress, if it is served by one. */
  void requestUpstreamProgress() {
    if (state == State.UPSTREAM) {
      Watch.Watcher u = upstream;
      if (u != null) {
        synchronized (upstreamLock) {
          progressAsked++;
          progressEverAsked = true;
        }
        u.requestProgress();
      }
    }
  }

  /**
   * Starts a new own upstream watch from revision {@code from}.
   *
   * @param sentBefore the hub sent this watcher every event before {@code from} and could serve it
   *     on from there, so the own watch may end before etcd vouches for anything
   * @return the token its responses are accepted with
   */
  Object upstreamStarted(long from, boolean sentBefore) {
    synchronized (upstreamLock) {
      upstreamToken = new Object();
      upstreamThrough = from - 1;
      upstreamVouched = sentBefore;
      progressAsked = 0;
      progressEverAsked = false;
      return upstreamToken;
    }
  }

  /**
   * Queues a response of the own upstream watch identified by {@code token}, unless that watch was
   * ended. A progress notification the client neither subscribed to (the hub always asks etcd for
   * them, to learn how far etcd has sent) nor asked for is not passed on.
   *
   * @return the revision through which etcd has now sent every event, or -1 if the response was
   *     dropped or etcd has not vouched for any revision yet
   */
  long acceptUpstream(Object token, WatchResponse response) {
    synchronized (upstreamLock) {
      if (token != upstreamToken) {
        return -1;
      }
      var events = response.getEvents();
      if (!events.isEmpty()) {
        upstreamThrough = Math.max(upstreamThrough, events.get(events.size() - 1).getKeyValue().getModRevision());
        upstreamVouched = true;
        deliverLater(response);
      } else if (response.isCreatedNotify()) {
        deliverLater(response);
      } else {
        boolean asked = progressAsked > 0;
        if (asked) {
          progressAsked--;
        }
        if (asked || request.progressNotify()) {
          deliverLater(response);
        }
        if (!progressEverAsked) {
          upstreamThrough = Math.max(upstreamThrough, response.getHeader().getRevision());
          upstreamVouched = true;
        }
      }
      return upstreamVouched ? upstreamThrough : -1;
    }
  }

  /** Whether {@code token} is still the current own upstream watch's (its end is this watcher's). */
  boolean isCurrentUpstream(Object token) {
    synchronized (upstreamLock) {
      return token == upstreamToken;
    }
  }

  /**
   * Ends the own upstream watch if etcd has sent everything up to a revision after which
   * {@code resumable} can serve the watcher, and turns LAGGING from the next revision, for the owner
   * to catch it up once its queue is drained. Apply thread only.
   *
   * @return false if it stays on its own watch
   */
  boolean rejoin(java.util.function.LongPredicate resumable) {
    Watch.Watcher u;
    synchronized (upstreamLock) {
      if (state != State.UPSTREAM || upstreamToken == null || !upstreamVouched || closedByClient.get()
          || !resumable.test(upstreamThrough + 1)) {
        return false;
      }
      upstreamToken = null;
      nextRevision = upstreamThrough + 1;
      state = State.LAGGING;
      u = upstream;
      upstream = null;
    }
    if (u != null) {
      u.close();
    }
    queue.notifyWhenDrained();
    return true;
  }

  /** Ended: the hub serves it no more. */
  void end() {
    state = State.ENDED;
  }

  // ---- the drain, on the delivery executor (or, inline, on the thread that queued) ----

  private void deliver(Item item, int behind) {
    // jetcd propagates nothing but onCompleted once the client closed the watcher.
    if (closedByClient.get() && item.kind() != Kind.COMPLETED) {
      return;
    }
    long started = budget == null ? 0 : InlineBudget.start();
    try {
      switch (item.kind()) {
        case RESPONSE -> {
          if (backlog != null) {
            backlog.onNext(item.response(), behind);
          } else {
            listener.onNext(item.response());
          }
        }
        case ERROR -> listener.onError(item.error());
        case COMPLETED -> listener.onCompleted();
        case HAND_OVER_ENDED -> backlog.handOverEnded();
      }
    } catch (RuntimeException | Error e) {
      // A listener's bug (an AssertionError, a LinkageError) must not stop its deliveries; only
      // the JVM's own failures go on up.
      if (e instanceof VirtualMachineError vm) {
        throw vm;
      }
      owner.listenerFailed();
      if (!failureLogged) {
        failureLogged = true;
        LOG.warn("watch listener {} on {} threw; later failures of it are not logged", id, request.range(), e);
      }
    } finally {
      if (budget != null) {
        budget.finished(started);
      }
    }
  }
}
