package dev.etcdcache.benchmarks.load;

import dev.etcdcache.demo.load.Answers;
import dev.etcdcache.demo.load.ClosedLoop;
import dev.etcdcache.demo.load.EtcdCounters;
import dev.etcdcache.demo.load.KeySet;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A fixed offered load of point Gets and Puts (a share of writes, e.g. 5%) on random keys of a
 * {@link KeySet}, sent asynchronously on a schedule that does not wait for answers. Latency is
 * measured from the scheduled send time, so a stall counts against every request it delayed
 * (no coordinated omission).
 *
 * <p>Staleness of a read: how many revisions the answer's header revision lags behind the newest
 * write acknowledged before the read was sent (0 when it reflects every acknowledged write).
 *
 * <p>Histograms are concurrent: completions record from jetcd's and the cache's threads. Not
 * thread-safe otherwise; use once.
 */
final class OpenLoop {

  private static final int MAX_OUTSTANDING = 20_000;

  /** What the window measured. */
  record Outcome(long reads, long writes, long errors, long dropped, double seconds, Histogram readNanos,
      Histogram writeNanos, Histogram staleRevisions, long staleReads, EtcdCounters etcd) {}

  private final KV kv;
  private final KeySet keys;
  private final GetOption readOption;
  private final double writeShare;
  private final int opsPerSecond;

  OpenLoop(KV kv, KeySet keys, GetOption readOption, double writeShare, int opsPerSecond) {
    this.kv = kv;
    this.keys = keys;
    this.readOption = readOption;
    this.writeShare = writeShare;
    this.opsPerSecond = opsPerSecond;
  }

  Outcome run(Duration warmup, Duration window, Supplier<EtcdCounters> counters) throws InterruptedException {
    Histogram readNanos = new ConcurrentHistogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    Histogram writeNanos = new ConcurrentHistogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    Histogram stale = new ConcurrentHistogram(1_000_000_000L, 2);
    LongAdder reads = new LongAdder();
    LongAdder writes = new LongAdder();
    LongAdder errors = new LongAdder();
    LongAdder staleReads = new LongAdder();
    long dropped = 0;
    AtomicLong lastAcked = new AtomicLong();
    Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    long intervalNanos = 1_000_000_000L / opsPerSecond;
    long start = System.nanoTime();
    long windowStart = start + warmup.toNanos();
    long windowEnd = windowStart + window.toNanos();
    EtcdCounters before = null;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (long i = 0; ; i++) {
      long intended = start + i * intervalNanos;
      if (intended >= windowEnd) {
        break;
      }
      if (before == null && intended >= windowStart) {
        before = counters.get();
      }
      ClosedLoop.sleepUntil(intended);
      boolean measured = intended >= windowStart;
      if (!outstanding.tryAcquire()) {
        dropped += measured ? 1 : 0;
        continue;
      }
      int index = random.nextInt(keys.count());
      if (random.nextDouble() < writeShare) {
        kv.put(keys.prebuiltKey(index), keys.value(index)).whenComplete((r, e) -> {
          outstanding.release();
          if (e == null) {
            lastAcked.accumulateAndGet(r.getHeader().getRevision(), Math::max);
          }
          if (measured) {
            count(e == null ? writes : errors);
            if (e == null) {
              writeNanos.recordValue(Math.min(ClosedLoop.MAX_LATENCY_NANOS, System.nanoTime() - intended));
            }
          }
        });
      } else {
        long ackedBefore = lastAcked.get();
        kv.get(keys.prebuiltKey(index), readOption).thenApply(Answers::consume).whenComplete((r, e) -> {
          outstanding.release();
          if (!measured) {
            return;
          }
          if (e != null) {
            errors.increment();
            return;
          }
          readNanos.recordValue(Math.min(ClosedLoop.MAX_LATENCY_NANOS, System.nanoTime() - intended));
          reads.increment();
          long lag = Math.max(0, ackedBefore - r.getHeader().getRevision());
          stale.recordValue(Math.min(lag, 1_000_000_000L));
          if (lag > 0) {
            staleReads.increment();
          }
        });
      }
    }
    outstanding.tryAcquire(MAX_OUTSTANDING, 60, TimeUnit.SECONDS);
    EtcdCounters after = counters.get();
    double seconds = window.toNanos() / 1e9;
    return new Outcome(reads.sum(), writes.sum(), errors.sum(), dropped, seconds, readNanos, writeNanos, stale,
        staleReads.sum(), after.minus(before == null ? after : before));
  }

  private static void count(LongAdder adder) {
    adder.increment();
  }
}
