package dev.etcdcache.core.consistency;

import dev.etcdcache.api.CacheClosedException;
import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.stats.StatsRecorder.GetKind;
import dev.etcdcache.core.stats.StatsRecorder.PassThroughReason;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.mirror.PrefixTable;
import dev.etcdcache.core.passthrough.Coalescer;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.verify.ShadowReads;
import dev.etcdcache.core.store.RangeEvaluator;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.wire.EtcdFailures;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import dev.etcdcache.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Serves a Get from the mirror with the promised consistency, or sends it to etcd.
 *
 * <ul>
 *   <li>Serializable: the latest applied version at once, after the client's own last write.</li>
 *   <li>Linearizable: a shared {@link RevisionProbe} learns etcd's revision R after the read
 *       arrived; the read is served from the first version at or past R. If the mirror does not
 *       get there quickly it asks etcd for watch progress; past the consistent-read timeout the
 *       read goes to etcd.</li>
 *   <li>Bounded staleness: serializable while the mirror's last confirmation is recent enough,
 *       linearizable otherwise.</li>
 *   <li>At a revision: a probe at that revision gives etcd's own answer on compaction and future
 *       revisions; the data comes from the version window when it still holds the revision, from
 *       etcd otherwise.</li>
 *   <li>A key range the mirror does not cover, an empty key, or a mirror not ready yet: etcd,
 *       through a {@link Coalescer} so identical concurrent reads share one RPC.</li>
 * </ul>
 *
 * <p>Thread-safe; nothing here blocks.
 */
public final class CachedReads {

  /** Completes a waiting read on the thread that ended its wait (the library's reads). */
  private static final Executor WHERE_COMPLETED = Runnable::run;

  /** The runtime bypass: every read goes to etcd while set. */
  private volatile boolean bypassed;
  /** Shadow mode, or null. */
  private volatile ShadowReads shadow;

  private final Mirror mirror;
  private final Ticker ticker;
  private final Executor callbacks;
  private final ReadConsistency defaultConsistency;
  private final long timeoutNanos;
  private final long progressRequestDelayNanos;
  private final RevisionProbe probe;
  private final Function<RangeRequest, CompletableFuture<RangeResponse>> etcd;
  private final Coalescer<RangeRequest, RangeResponse> passThrough = new Coalescer<>();
  /**
   * The newest revision this client has observed: its own writes, and answers etcd gave it
   * directly (pass-through reads). Every read is served at or past it, so a read never goes back
   * behind something this client already saw, even while the mirror lags.
   */
  private final AtomicLong seenRevision = new AtomicLong();
  private final LongAdder servedFromMemory = new LongAdder();
  private final LongAdder degradedReads = new LongAdder();
  private final LongAdder fallbacks = new LongAdder();
  private final StatsRecorder stats;
  private final Tracing tracing;
  /** How long the first readers of an on-demand prefix wait for its bootstrap before etcd answers them. */
  private final long onDemandWaitNanos;

  /**
   * Reads served from {@code mirror}, recorded in {@code stats}. {@code probes} sends the revision
   * probes (a Range in wire form, to the same etcd with the cache's own credentials); {@code etcd}
   * answers the reads the mirror cannot. Consistent-read-wait and pass-through spans go through
   * {@code tracing}; the first readers of an on-demand prefix wait up to {@code onDemandWait} for
   * its bootstrap (zero: etcd answers them while it runs).
   */
  public CachedReads(Function<RangeRequest, CompletableFuture<RangeResponse>> probes,
      Function<RangeRequest, CompletableFuture<RangeResponse>> etcd, Mirror mirror,
      ReadConsistency defaultConsistency, Duration consistentReadTimeout, Duration progressRequestDelay,
      Executor callbacks, Ticker ticker, StatsRecorder stats, Tracing tracing, Duration onDemandWait) {
    this.tracing = tracing;
    this.onDemandWaitNanos = onDemandWait.toNanos();
    this.etcd = etcd;
    this.mirror = mirror;
    this.ticker = ticker;
    this.callbacks = callbacks;
    this.defaultConsistency = defaultConsistency;
    this.timeoutNanos = consistentReadTimeout.toNanos();
    this.progressRequestDelayNanos = progressRequestDelay.toNanos();
    this.stats = stats;
    this.probe = new RevisionProbe(probes, mirror, ticker, stats, StatsRecorder.Rpc.PROBE);
  }

  /** The answer etcd would give to {@code request}, linearizable unless marked serializable. */
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return range(request, WHERE_COMPLETED);
  }

  /**
   * Sends every read to etcd while {@code on} (the runtime bypass), and serves from memory again
   * when it is turned off; a read decides once, when it arrives.
   */
  public void bypass(boolean on) {
    bypassed = on;
  }

  /**
   * Shadow mode while {@code shadow} is set: every read is answered by etcd and offered to it for
   * a sampled comparison with the cache's answer; {@code null} ends it.
   */
  public void shadow(ShadowReads shadow) {
    this.shadow = shadow;
  }

  /** The answer etcd would give to {@code request} at the given consistency. */
  public CompletableFuture<RangeResponse> range(RangeRequest request, ReadConsistency consistency) {
    return range(request, consistency, WHERE_COMPLETED);
  }

  /**
   * As {@link #range(RangeRequest)}, with a read that has to wait (for a linearizable probe, for the
   * mirror to reach a revision) answered on {@code answerOn} instead of on the thread that ended its
   * wait. Every read joining one probe is completed by the one thread that received the probe's
   * answer (jetcd's event loop): evaluated and sent there, they would all queue on that one thread.
   * A server passes the connection's own event loop, which also sends the answer without a hop.
   */
  public CompletableFuture<RangeResponse> range(RangeRequest request, Executor answerOn) {
    return range(request, request.getSerializable() ? ReadConsistency.SERIALIZABLE : defaultConsistency, answerOn);
  }

  private CompletableFuture<RangeResponse> range(RangeRequest request, ReadConsistency consistency,
      Executor answerOn) {
    if (mirror.isClosed()) {
      return CompletableFuture.failedFuture(new CacheClosedException("the caching client is closed"));
    }
    stats.recordGet(kindOf(request, consistency));
    ShadowReads shadowing = shadow;
    if (shadowing != null) {
      stats.recordPassThrough(PassThroughReason.NOT_READY); // shadow mode: etcd answers
      return passThrough(request, PassThroughReason.NOT_READY, tracing.caller()).thenApply(answer -> {
        shadowing.offer(request, answer);
        return answer;
      });
    }
    PrefixTable demand = mirror.onDemand();
    if (demand != null && !bypassed && !request.getKey().isEmpty() && mirror.isServing()) {
      return onDemand(demand, request, consistency, answerOn);
    }
    if (bypassed || request.getKey().isEmpty() || !mirror.isServing()
        || !mirror.covers(KeyRange.of(request.getKey(), request.getRangeEnd()))) {
      // A bypassed cache counts as one not serving from memory (NOT_READY).
      countDegraded();
      PassThroughReason reason = bypassed || !mirror.isServing() ? PassThroughReason.NOT_READY
          : PassThroughReason.NOT_COVERED;
      stats.recordPassThrough(reason);
      return passThrough(request, reason, tracing.caller());
    }
    return serve(request, consistency, null, null, answerOn);
  }

  /**
   * Serves a read the mirror covers; {@code held} is its on-demand prefix's entry, or null;
   * {@code probed} a linearizable probe already sent for this read (after it arrived), or null.
   */
  private CompletableFuture<RangeResponse> serve(RangeRequest request, ReadConsistency consistency,
      PrefixTable.Entry held, CompletableFuture<ResponseHeader> probed, Executor answerOn) {
    if (request.getRevision() > 0) {
      return atRevision(request, held, answerOn);
    }
    return switch (consistency.mode()) {
      case SERIALIZABLE -> serveAt(seenRevision.get(), request, Context.root(), held, answerOn);
      case BOUNDED_STALENESS -> isFresh(consistency.maxStaleness())
          ? serveAt(seenRevision.get(), request, Context.root(), held, answerOn)
          : linearizable(request, held, probed, answerOn);
      case LINEARIZABLE -> linearizable(request, held, probed, answerOn);
    };
  }

  /**
   * A read under on-demand prefixes: served from memory when its range lies in one prefix that is
   * mirrored (and, at a revision, was mirrored by then); otherwise etcd answers. The first read of a
   * prefix not mirrored starts its bootstrap (shared by the readers that follow) and, unless it is
   * at a revision, waits up to the on-demand wait for it to be served from memory, else etcd answers.
   */
  private CompletableFuture<RangeResponse> onDemand(PrefixTable demand, RangeRequest request,
      ReadConsistency consistency, Executor answerOn) {
    byte[] prefix = demand.pattern().prefixOf(KeyRange.of(request.getKey(), request.getRangeEnd()));
    PrefixTable.Entry held = prefix == null ? null : demand.entry(prefix);
    if (held == null && prefix != null && onDemandWaitNanos > 0 && request.getRevision() == 0
        && !demand.isRefused(prefix, ticker.read())) {
      // Wait (bounded) for the bootstrap this read starts or joins: one Range for etcd, not two.
      CompletableFuture<PrefixTable.Entry> arrival = demand.arrival(prefix);
      mirror.requestPrefix(prefix);
      PrefixTable.Entry now = demand.entry(prefix);
      if (now != null) {
        return servePrefix(demand, request, consistency, now, null, answerOn);
      }
      Context caller = tracing.caller();
      // A linearizable read learns etcd's revision while the bootstrap runs, not after it: the
      // probe is sent after the read arrived, which is all linearizability asks of it.
      CompletableFuture<ResponseHeader> probed =
          consistency.mode() == ReadConsistency.Mode.LINEARIZABLE ? probe.latest() : null;
      return arrival.copy().completeOnTimeout(null, onDemandWaitNanos, TimeUnit.NANOSECONDS)
          .thenComposeAsync(entry -> {
            if (entry == null) {
              demand.recordPass();
              stats.recordPassThrough(PassThroughReason.NOT_COVERED);
              return passThrough(request, PassThroughReason.NOT_COVERED, caller);
            }
            return servePrefix(demand, request, consistency, entry, probed, answerOn);
          }, callbacks);
    }
    if (held == null) {
      if (prefix != null) {
        demand.recordPass();
        mirror.requestPrefix(prefix);
      }
      stats.recordPassThrough(PassThroughReason.NOT_COVERED);
      return passThrough(request, PassThroughReason.NOT_COVERED, tracing.caller());
    }
    return servePrefix(demand, request, consistency, held, null, answerOn);
  }

  /**
   * Serves a read of a mirrored on-demand prefix whose entry is {@code held}; {@code probed} as for
   * {@link #serve}.
   */
  private CompletableFuture<RangeResponse> servePrefix(PrefixTable demand, RangeRequest request,
      ReadConsistency consistency, PrefixTable.Entry held, CompletableFuture<ResponseHeader> probed,
      Executor answerOn) {
    demand.touch(held);
    if (request.getRevision() > 0 && request.getRevision() <= held.since()) {
      // Before the prefix came in: the versions held then do not have it.
      demand.recordPass();
      stats.recordPassThrough(PassThroughReason.REVISION_NOT_HELD);
      return passThrough(request, PassThroughReason.REVISION_NOT_HELD, tracing.caller());
    }
    return serve(request, consistency, held, probed, answerOn);
  }

  /**
   * Notes a revision this client observed (a write it made, an answer etcd gave it), so that no
   * later read of this client is served from behind it.
   */
  public void observeRevision(long revision) {
    seenRevision.accumulateAndGet(revision, Math::max);
  }

  /**
   * For readers that cannot fall back to etcd (typed views): the revision a read at
   * {@code consistency} arriving now must be served at or past, learned as a Get learns it (this
   * client's last write when serializable or fresh enough, a shared linearizable probe otherwise).
   * Completes, off the apply thread, once the mirror has applied that revision; fails with
   * {@link TimeoutException} past the consistent-read timeout, with {@link CacheClosedException}
   * on a closed client, or with the probe's failure.
   */
  public CompletableFuture<Long> awaitRevisionFor(ReadConsistency consistency) {
    if (mirror.isClosed()) {
      return CompletableFuture.failedFuture(new CacheClosedException("the caching client is closed"));
    }
    boolean immediate = consistency.mode() == ReadConsistency.Mode.SERIALIZABLE
        || (consistency.mode() == ReadConsistency.Mode.BOUNDED_STALENESS && isFresh(consistency.maxStaleness()));
    CompletableFuture<Long> required = immediate
        ? CompletableFuture.completedFuture(seenRevision.get())
        : probe.latest().thenApply(header -> Math.max(header.getRevision(), seenRevision.get()));
    return mirror.ready().thenCompose(ready -> required).thenCompose(revision ->
        awaitOrFallBack(revision).thenApply(version -> {
          if (version == null) {
            throw new CompletionException(new TimeoutException(
                "the mirror did not reach revision " + revision + " within the consistent-read timeout"));
          }
          return revision;
        }));
  }

  /** Reads sent to etcd because the mirror was degraded under its memory limits. */
  public long degradedReads() {
    return degradedReads.sum();
  }

  /** Counts a read going to etcd as degraded if the mirror is (degrading also sets the bypass). */
  private void countDegraded() {
    if (mirror.isDegraded()) {
      degradedReads.increment();
    }
  }

  /** Reads answered from memory. */
  public long servedFromMemory() {
    return servedFromMemory.sum();
  }

  /** Reads sent to etcd after the mirror could not reach the revision in time. */
  public long fallbacks() {
    return fallbacks.sum();
  }

  /** Reads sent to etcd, and the RPCs they took. */
  public long passThroughRpcs() {
    return passThrough.rpcs();
  }

  /** Probe RPCs sent to learn revisions. */
  public long probeRpcs() {
    return probe.rpcs();
  }

  private CompletableFuture<RangeResponse> linearizable(RangeRequest request, PrefixTable.Entry held,
      CompletableFuture<ResponseHeader> probed, Executor answerOn) {
    long arrived = ticker.read();
    Context caller = tracing.caller();
    Span wait = tracing.start(Tracing.CONSISTENT_READ_WAIT, caller);
    Context waiting = caller.with(wait);
    // The shared probe is bounded for this caller by the consistent-read timeout: a probe etcd
    // does not answer sends the read to etcd, as a mirror that does not catch up does.
    return (probed != null ? probed : probe.latest()).copy().orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
        .handleAsync((header, failure) -> {
          if (failure == null) {
            return serveAt(Math.max(header.getRevision(), seenRevision.get()), request, waiting, held, answerOn);
          }
          if (EtcdFailures.unwrap(failure) instanceof TimeoutException) {
            countPass(held);
            return fallBack(request, waiting);
          }
          return CompletableFuture.<RangeResponse>failedFuture(EtcdFailures.unwrap(failure));
        }, answerOn)
        .thenCompose(answer -> answer)
        .whenComplete((r, failure) -> {
          stats.recordConsistentReadWait(ticker.read() - arrived);
          Tracing.end(wait, failure);
        });
  }

  /** Serves at {@code revision}; {@code traced} parents the pass-through span if it falls back. */
  private CompletableFuture<RangeResponse> serveAt(long revision, RangeRequest request, Context traced,
      PrefixTable.Entry held, Executor answerOn) {
    StoreVersion now = mirror.current();
    if (now.revision() >= revision) {
      return respondOrPass(request, now, mirror.headerAt(now.revision()), traced, held);
    }
    return whenReached(awaitOrFallBack(revision), answerOn, version -> version == null
        ? countPass(held).fallBack(request, traced)
        : respondOrPass(request, version, mirror.headerAt(version.revision()), traced, held));
  }

  /**
   * Answers from {@code version}, taken before this check: if the mirror stopped serving meanwhile
   * (it degraded and released its store) the read goes to etcd instead, so a released store never
   * answers. Likewise a version taken after an on-demand prefix's entry {@code held} answers only
   * while that entry is current (see {@link PrefixTable}).
   */
  private CompletableFuture<RangeResponse> respondOrPass(RangeRequest request, StoreVersion version,
      io.etcd.jetcd.api.ResponseHeader header, Context traced, PrefixTable.Entry held) {
    if (!mirror.isServing()) {
      countDegraded();
      stats.recordPassThrough(PassThroughReason.NOT_READY);
      return passThrough(request, PassThroughReason.NOT_READY, traced);
    }
    if (held != null) {
      PrefixTable demand = mirror.onDemand();
      if (!demand.serves(held, version, request.getRevision() > 0)) {
        demand.recordPass();
        stats.recordPassThrough(PassThroughReason.REVISION_NOT_HELD);
        return passThrough(request, PassThroughReason.REVISION_NOT_HELD, traced);
      }
      demand.recordHit();
    }
    return CompletableFuture.completedFuture(respond(request, version, header));
  }

  private CompletableFuture<RangeResponse> atRevision(RangeRequest request, PrefixTable.Entry held,
      Executor answerOn) {
    long revision = request.getRevision();
    Context caller = tracing.caller();
    return probe.at(revision, request.getSerializable()).thenComposeAsync(header ->
        whenReached(awaitOrFallBack(revision), answerOn, reached -> {
          StoreVersion version = reached == null ? null : mirror.versionAt(revision).orElse(null);
          if (version == null) {
            PassThroughReason reason = reached == null ? PassThroughReason.TIMEOUT : PassThroughReason.REVISION_NOT_HELD;
            countPass(held);
            stats.recordPassThrough(reason);
            return passThrough(request, reason, caller);
          }
          return respondOrPass(request, version, header, caller, held);
        }), answerOn);
  }

  /**
   * {@code then} applied to {@code reached}: at once when it is complete already, else on
   * {@code answerOn} once it completes (not on the apply thread that completed it).
   */
  private static <T> CompletableFuture<RangeResponse> whenReached(CompletableFuture<T> reached, Executor answerOn,
      Function<T, CompletableFuture<RangeResponse>> then) {
    return reached.isDone() ? reached.thenCompose(then) : reached.thenComposeAsync(then, answerOn);
  }

  /** The first version at or past {@code revision}, or null once the timeout passes. */
  private CompletableFuture<StoreVersion> awaitOrFallBack(long revision) {
    StoreVersion now = mirror.current();
    if (now.revision() >= revision) {
      return CompletableFuture.completedFuture(now);
    }
    CompletableFuture<StoreVersion> waiting = mirror.awaitRevision(revision);
    // Revisions outside the mirrored ranges bring no events: ask etcd to confirm progress.
    CompletableFuture.delayedExecutor(progressRequestDelayNanos, TimeUnit.NANOSECONDS, callbacks).execute(() -> {
      if (!waiting.isDone()) {
        mirror.requestProgress();
      }
    });
    return waiting.orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
        .exceptionally(failure -> {
          Throwable cause = EtcdFailures.unwrap(failure);
          if (cause instanceof TimeoutException) {
            return null;
          }
          throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
        });
  }

  /** Counts a read of on-demand prefix {@code held} (null: not one) sent to etcd; returns this, for chaining. */
  private CachedReads countPass(PrefixTable.Entry held) {
    if (held != null) {
      mirror.onDemand().recordPass();
    }
    return this;
  }

  private CompletableFuture<RangeResponse> fallBack(RangeRequest request, Context traced) {
    fallbacks.increment();
    stats.recordPassThrough(PassThroughReason.TIMEOUT);
    return passThrough(request, PassThroughReason.TIMEOUT, traced);
  }

  /**
   * Sends {@code request} to etcd for {@code reason}: a span child of {@code traced} (the caller's
   * context, or the consistent-read wait's), and the decision set on the caller's span.
   */
  private CompletableFuture<RangeResponse> passThrough(RangeRequest request, PassThroughReason reason,
      Context traced) {
    String why = reason.name().toLowerCase(java.util.Locale.ROOT);
    tracing.decide(traced, "etcd", why);
    Span span = tracing.start(Tracing.PASS_THROUGH, traced);
    span.setAttribute(Tracing.REASON, why);
    return passThrough.call(request, () -> {
      stats.recordRpc(StatsRecorder.Rpc.PASS_THROUGH_RANGE);
      return etcd.apply(request);
    }).thenApply(response -> {
      observeRevision(response.getHeader().getRevision());
      return response;
    }).whenComplete((response, failure) -> Tracing.end(span, failure));
  }

  /**
   * The answer from {@code version}, with {@code header}: the version's own for a current read, the
   * probe's (etcd's current revision) for a read at a past revision, as etcd answers those.
   */
  private RangeResponse respond(RangeRequest request, StoreVersion version, ResponseHeader header) {
    servedFromMemory.increment();
    stats.recordServedFromMemory();
    // Kept forms only for the current keys: a past version's replaced entries are not worth a slot.
    StoreVersion current = mirror.current();
    boolean isCurrent = current != null && current.tree() == version.tree();
    return RangeEvaluator.evaluate(request, version, header, isCurrent ? mirror.entryForms() : null);
  }

  private static GetKind kindOf(RangeRequest request, ReadConsistency consistency) {
    if (request.getRevision() > 0) {
      return GetKind.AT_REVISION;
    }
    return switch (consistency.mode()) {
      case SERIALIZABLE -> GetKind.SERIALIZABLE;
      case LINEARIZABLE -> GetKind.LINEARIZABLE;
      case BOUNDED_STALENESS -> GetKind.BOUNDED_STALENESS;
    };
  }

  private boolean isFresh(Duration bound) {
    return mirror.freshness().isFresh(bound);
  }
}
