package dev.etcdcache.core.verify;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.wire.EtcdFailures;
import io.etcd.jetcd.KV;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous consistency check: every period it takes the mirror's current version at revision
 * R and compares each mirrored range with etcd at R ({@link RangeComparison}: keys-only pages
 * pinned at R, no values). A difference is counted, logged (key, revision, short diff; the first
 * {@link #REPORTED}) and repaired: the mirror stops serving from memory — reads go to etcd — and
 * re-lists ({@link Mirror#relistDiverged}), so no answer is served from a mirror known to be wrong.
 *
 * <p>etcd refusing R as a future revision is a difference too: etcd went back in time (a restore
 * from an older snapshot) and every revision the mirror holds past etcd's is one etcd does not.
 * A compacted R, a mirror not serving, or an unreachable etcd skip the round (counted).
 *
 * <p>At most one check runs at a time; {@link #checkNow()} joins a running one. Thread-safe.
 */
public final class ConsistencyChecker implements AutoCloseable {

  /** How many divergences one check keeps to log and report. */
  public static final int REPORTED = 20;
  /** Keys per keys-only page: about 100 B per key with its metadata, well under jetcd's 4 MiB. */
  static final int PAGE_KEYS = 5_000;

  private static final Logger LOG = LoggerFactory.getLogger(ConsistencyChecker.class);

  private final Mirror mirror;
  private final KV kv;
  private final List<KeyRange> ranges;
  private final ScheduledExecutorService timer;
  private final Ticker ticker;
  private final int pageKeys;
  private final AtomicLong checks = new AtomicLong();
  private final AtomicLong diverged = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong differences = new AtomicLong();
  private final AtomicReference<CheckRound> last = new AtomicReference<>();
  private final AtomicReference<CheckRound> lastDiverged = new AtomicReference<>();
  private CompletableFuture<CheckRound> running;
  private ScheduledFuture<?> periodic;
  private long periodMillis;
  private volatile boolean closed;

  /** A checker of {@code mirror}'s {@code ranges} against etcd through {@code kv}; idle until started. */
  public ConsistencyChecker(Mirror mirror, KV kv, List<KeyRange> ranges, ScheduledExecutorService timer,
      Ticker ticker) {
    this(mirror, kv, ranges, timer, ticker, PAGE_KEYS);
  }

  /** As above, with {@code pageKeys} keys per keys-only page (tests use small pages to cross their boundaries). */
  public ConsistencyChecker(Mirror mirror, KV kv, List<KeyRange> ranges, ScheduledExecutorService timer,
      Ticker ticker, int pageKeys) {
    this.mirror = mirror;
    this.kv = kv;
    this.ranges = List.copyOf(ranges);
    this.timer = timer;
    this.ticker = ticker;
    this.pageKeys = pageKeys;
  }

  /**
   * Checks every {@code period} from now on: the first round one period from now, each next one a
   * period after the previous finished (never two at once, however slow etcd is; the timer thread
   * only starts rounds and never waits for one).
   */
  public synchronized void start(Duration period) {
    if (periodMillis != 0 || closed) {
      return;
    }
    periodMillis = Math.max(1, period.toMillis());
    scheduleNext();
  }

  private synchronized void scheduleNext() {
    if (closed) {
      return;
    }
    try {
      periodic = timer.schedule(() -> checkNow().whenComplete((r, e) -> {
        if (e != null) {
          LOG.debug("a consistency check failed", e);
        }
        scheduleNext();
      }), periodMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      closed = true; // the owner shut the timer down: the client is closing
    }
  }

  /** Runs a check now, or joins the one running; the future completes with what it found. */
  public synchronized CompletableFuture<CheckRound> checkNow() {
    if (running != null && !running.isDone()) {
      return running;
    }
    running = round();
    return running;
  }

  private CompletableFuture<CheckRound> round() {
    long started = ticker.read();
    StoreVersion version = mirror.current();
    if (closed || version == null || !mirror.isServing()) {
      return CompletableFuture.completedFuture(record(CheckRound.skipped(0, 0, "the mirror is not serving")));
    }
    CompletableFuture<List<RangeComparison.Result>> all = CompletableFuture.completedFuture(new ArrayList<>());
    for (KeyRange range : ranges) {
      all = all.thenCompose(results -> new RangeComparison(kv, range, version, pageKeys, REPORTED).run()
          .thenApply(r -> {
            results.add(r);
            return results;
          }));
    }
    return all.handle((results, failure) -> {
      long nanos = ticker.read() - started;
      if (failure != null) {
        return record(failed(version.revision(), nanos, failure));
      }
      long keys = 0;
      long bytes = 0;
      long pages = 0;
      long total = 0;
      List<Divergence> first = new ArrayList<>();
      for (RangeComparison.Result r : results) {
        keys += r.keys();
        bytes += r.bytes();
        pages += r.pages();
        total += r.total();
        for (Divergence d : r.divergences()) {
          if (first.size() < REPORTED) {
            first.add(d);
          }
        }
      }
      return record(new CheckRound(total == 0 ? CheckRound.Outcome.CONSISTENT : CheckRound.Outcome.DIVERGED,
          version.revision(), keys, bytes, pages, nanos, total, List.copyOf(first), null));
    });
  }

  private static CheckRound failed(long revision, long nanos, Throwable failure) {
    Status status = Status.fromThrowable(EtcdFailures.unwrap(failure));
    if (status.getCode() == Status.Code.OUT_OF_RANGE && status.getDescription() != null
        && status.getDescription().contains("future revision")) {
      Divergence ahead = new Divergence(Divergence.Kind.MIRROR_AHEAD_OF_ETCD, "", revision,
          "etcd: " + status.getDescription());
      return new CheckRound(CheckRound.Outcome.DIVERGED, revision, 0, 0, 0, nanos, 1, List.of(ahead), null);
    }
    return CheckRound.skipped(revision, nanos, EtcdFailures.unwrap(failure).toString());
  }

  private CheckRound record(CheckRound round) {
    checks.incrementAndGet();
    last.set(round);
    switch (round.outcome()) {
      case SKIPPED -> {
        skipped.incrementAndGet();
        LOG.debug("consistency check skipped at revision {}: {}", round.revision(), round.error());
      }
      case DIVERGED -> {
        diverged.incrementAndGet();
        differences.addAndGet(round.differences());
        lastDiverged.set(round);
        LOG.warn("the mirror differs from etcd at revision {}: {} difference(s) in {} keys; re-listing, reads "
            + "go to etcd until then. First: {}", round.revision(), round.differences(), round.keys(),
            round.first());
        mirror.relistDiverged(round.differences() + " difference(s) at revision " + round.revision()
            + ", first " + round.first().get(0));
      }
      case CONSISTENT -> LOG.debug("consistency check at revision {}: {} keys equal in {} ms", round.revision(),
          round.keys(), TimeUnit.NANOSECONDS.toMillis(round.nanos()));
    }
    return round;
  }

  /** Checks run (every outcome). */
  public long checks() {
    return checks.get();
  }

  /** Checks that found the mirror different from etcd. */
  public long divergedChecks() {
    return diverged.get();
  }

  /** Checks skipped. */
  public long skippedChecks() {
    return skipped.get();
  }

  /** Divergences found, over all checks. */
  public long differences() {
    return differences.get();
  }

  /** The latest check's result, or {@code null} before the first. */
  public CheckRound last() {
    return last.get();
  }

  /** The latest check that found differences, or {@code null}. */
  public CheckRound lastDiverged() {
    return lastDiverged.get();
  }

  /** Stops the periodic check; a running one finishes. */
  @Override
  public synchronized void close() {
    closed = true;
    if (periodic != null) {
      periodic.cancel(false);
    }
  }
}
