package dev.etcdcache.benchmarks.load;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.PrintStream;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes a {@link KeySet} to etcd in transactions of {@link #BATCH} puts (below etcd's default
 * limit of 128 operations per txn), at most {@link #IN_FLIGHT} at once, with a progress bar.
 * Not thread-safe.
 */
final class BulkLoader {

  static final int BATCH = 100;
  static final int IN_FLIGHT = 8;

  private final KV kv;
  private final PrintStream out;

  BulkLoader(KV kv, PrintStream out) {
    this.kv = kv;
    this.out = out;
  }

  /**
   * Puts every key of {@code keys}; returns the revision of the last txn.
   *
   * @throws IllegalStateException holding etcd's failure if a txn fails
   */
  long load(KeySet keys) throws InterruptedException {
    Semaphore permits = new Semaphore(IN_FLIGHT);
    AtomicLong written = new AtomicLong();
    AtomicLong revision = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    ProgressBar bar = new ProgressBar(out, keys.count());
    long lastDraw = 0;
    for (int from = 0; from < keys.count() && failure.get() == null; from += BATCH) {
      int to = Math.min(keys.count(), from + BATCH);
      Op[] puts = new Op[to - from];
      for (int i = from; i < to; i++) {
        puts[i - from] = Op.put(keys.key(i), keys.value(i), PutOption.DEFAULT);
      }
      while (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        bar.update(written.get());
      }
      kv.txn().Then(puts).commit().whenComplete((response, error) -> {
        if (error != null) {
          failure.compareAndSet(null, error);
        } else {
          written.addAndGet(puts.length);
          revision.accumulateAndGet(response.getHeader().getRevision(), Math::max);
        }
        permits.release();
      });
      if (System.nanoTime() - lastDraw > 200_000_000L) {
        bar.update(written.get());
        lastDraw = System.nanoTime();
      }
    }
    permits.acquire(IN_FLIGHT);
    bar.finish(written.get());
    if (failure.get() != null) {
      throw new IllegalStateException("loading " + keys.root() + " failed: " + failure.get(), failure.get());
    }
    return revision.get();
  }
}
