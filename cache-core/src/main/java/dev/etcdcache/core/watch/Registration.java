package dev.etcdcache.core.watch;

import dev.etcdcache.core.wire.EtcdFailures;
import dev.etcdcache.core.mirror.MirrorFeed;
import static io.etcd.jetcd.common.exception.EtcdExceptionFactory.newEtcdException;

import dev.etcdcache.core.history.EventHistory;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.common.exception.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Registration of a new watcher, with the decision where it is served from.
 *
 * <ul>
 *   <li>Start revision 0 (now): a count-only Range learns etcd's revision R after the call; the
 *       watcher registers once the mirror has applied R and starts after the mirror's revision then,
 *       so a write acknowledged before {@code watch()} is never delivered, as with etcd.</li>
 *   <li>In the history: the same Range at the start revision checks etcd's compaction (and, if a
 *       DELETE or a prevKV at exactly that revision would be replayed, a second one at the revision
 *       before: a DELETE at the compact revision is gone in etcd); then replay, then live.</li>
 *   <li>Older than the history, outside the mirrored ranges, negative, or when anything above
 *       fails or outlasts the registration timeout: its own upstream watch
 *       ({@link UpstreamFallback}), whose responses (compaction error included) are etcd's own.</li>
 *   <li>An empty range: etcd refuses the watch and jetcd reports it, leaving the watcher open.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * {@link #start} runs on the client's thread and returns before the checks complete; the watcher
 * is registered on the apply thread, so the mirror's revision cannot move between its replay and
 * its first live revision.
 */
final class Registration {

  private final MirrorFeed source;
  private final Upstream upstream;
  private final EventHistory history;
  private final ApplyThread apply;
  private final FanOut fanOut;
  private final HistoryReplay replay;
  private final UpstreamFallback fallback;
  private final Responses responses;
  private final Duration timeout;
  private final Runnable onLive;
  /** The highest etcd revision the mirror was asked to confirm by a progress request. */
  private final AtomicLong progressAskedFor = new AtomicLong();

  /**
   * @param timeout how long the revision checks and the wait for the mirror may take
   * @param onLive run on the apply thread once a watcher joined the index (the runtime bypass moves
   *     one that went live after it turned on to etcd then, not on a next revision that may not come)
   */
  Registration(MirrorFeed source, Upstream upstream, EventHistory history, ApplyThread apply,
      FanOut fanOut, HistoryReplay replay, UpstreamFallback fallback, Responses responses, Duration timeout,
      Runnable onLive) {
    this.source = source;
    this.upstream = upstream;
    this.history = history;
    this.apply = apply;
    this.fanOut = fanOut;
    this.replay = replay;
    this.fallback = fallback;
    this.responses = responses;
    this.timeout = timeout;
    this.onLive = onLive;
  }

  /** Decides where the new, PENDING watcher {@code w} is served from and sets that in motion. */
  void start(HubWatcher w) {
    WatchRequest request = w.request();
    long s = request.startRevision();
    if (request.range().isEmpty()) {
      // etcd refuses the watch and jetcd reports it, leaving the watcher open (no onCompleted).
      w.markInert(newEtcdException(ErrorCode.INTERNAL, "etcd server failed to create watch id"));
      return;
    }
    long c = source.currentRevision();
    if (s < 0 || !source.covers(request.range()) || (s > 0 && c >= 0 && s <= c && !history.covers(s))) {
      fallback.open(w, s, request.createdNotify());
      return;
    }
    long probeAt = s > 0 && c >= 0 && s <= c ? s : 0;
    upstream.probe(probeAt)
        .thenCompose(etcdRevision -> compactedAtStart(probeAt)
            .thenCompose(dropDeletesAt -> awaitMirror(etcdRevision).thenApply(v -> dropDeletesAt)))
        .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .whenComplete((dropDeletesAt, failure) -> apply.post(() -> {
          if (failure == null) {
            registerOnApply(w, dropDeletesAt);
          } else if (w.isPending()) {
            // etcd answers exactly: a compaction error, or whatever a direct watch would see.
            fallback.open(w, s, request.createdNotify());
          }
        }));
  }

  /** Registers a still PENDING {@code w}: created notification, replay, then LIVE. Apply thread only. */
  private void registerOnApply(HubWatcher w, long dropDeletesAt) {
    if (!w.isPending()) {
      return;
    }
    WatchRequest request = w.request();
    long s = request.startRevision();
    long c = source.currentRevision();
    if (!history.isStarted()) {
      history.reset(c);
    }
    boolean past = s > 0 && s <= c;
    if (past && !history.covers(s)) {
      fallback.open(w, s, request.createdNotify());
      return;
    }
    if (request.createdNotify()) {
      w.deliverLater(responses.created(c));
    }
    if (past) {
      replay.replayOnApply(w, s, c, dropDeletesAt);
    }
    w.goLive(past || s <= 0 ? c + 1 : s);
    fanOut.add(w);
    onLive.run();
  }

  private CompletableFuture<?> awaitMirror(long etcdRevision) {
    // A revision outside the mirrored ranges reaches the mirror only through a progress
    // notification; ask for one, once per revision however many watchers wait for it.
    if (source.currentRevision() < etcdRevision
        && progressAskedFor.getAndAccumulate(etcdRevision, Math::max) < etcdRevision) {
      source.requestProgress();
    }
    return source.awaitRevision(etcdRevision);
  }

  /** The start revision if it is etcd's compact revision and that matters for the replay; else 0. */
  private CompletableFuture<Long> compactedAtStart(long start) {
    EventHistory.Entry entry = start > 1 ? history.at(start) : null;
    // Only a DELETE or a prevKV at the start revision depends on whether it is the compact revision.
    if (entry == null || entry.events().stream().noneMatch(e -> e.getType() == Event.EventType.DELETE || e.hasPrevKv())) {
      return CompletableFuture.completedFuture(0L);
    }
    return upstream.probe(start - 1).handle((r, failure) -> {
      if (failure == null) {
        return 0L;
      }
      if (EtcdFailures.isCompacted(failure)) {
        return start;
      }
      throw new CompletionException(failure);
    });
  }
}
