package dev.etcdcache.demo;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.io.PrintStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes the demo's keys to etcd as fast as a small machine allows: transactions of
 * {@link #BATCH} puts (etcd's default limit is 128 operations per txn), at most
 * {@link #IN_FLIGHT} at once, with a progress bar.
 *
 * <p>Not thread-safe; one load at a time.
 */
final class Loader {

  static final int BATCH = 100;
  static final int IN_FLIGHT = 8;

  private final KV kv;
  private final DemoKeys keys;
  private final PrintStream out;

  Loader(KV kv, DemoKeys keys, PrintStream out) {
    this.kv = kv;
    this.keys = keys;
    this.out = out;
  }

  /**
   * Puts every key and returns the revision of the last write.
   *
   * @throws IllegalStateException with etcd's failure if a txn fails
   */
  long load() throws InterruptedException {
    Semaphore permits = new Semaphore(IN_FLIGHT);
    AtomicLong written = new AtomicLong();
    AtomicLong revision = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    ProgressBar bar = new ProgressBar(out, "keys", keys.count());
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
      long now = System.nanoTime();
      if (now - lastDraw > 100_000_000L) {
        bar.update(written.get());
        lastDraw = now;
      }
    }
    permits.acquire(IN_FLIGHT);
    bar.finish(written.get());
    if (failure.get() != null) {
      throw new IllegalStateException("loading keys failed: " + failure.get(), failure.get());
    }
    return revision.get();
  }

  /** Deletes every demo key (used against an etcd the demo did not start). */
  long deleteAll() throws InterruptedException {
    try {
      return kv.delete(keys.root(), DeleteOption.builder().isPrefix(true).build())
          .get(60, TimeUnit.SECONDS).getDeleted();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("deleting the demo keys failed: " + e, e);
    }
  }
}
