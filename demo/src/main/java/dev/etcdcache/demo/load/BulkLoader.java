package dev.etcdcache.demo.load;

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
 * Writes a {@link KeySet} to etcd as fast as a small machine allows: transactions of
 * {@link #BATCH} puts (below etcd's default limit of 128 operations per txn), at most
 * {@link #IN_FLIGHT} at once, with a progress bar; and deletes it again.
 *
 * <p>Not thread-safe; one load at a time.
 */
public final class BulkLoader {

  /** Puts per txn. */
  public static final int BATCH = 100;
  /** Txns sent and not yet answered, at most. */
  public static final int IN_FLIGHT = 8;

  private static final long REDRAW_NANOS = 100_000_000L;

  private final KV kv;
  private final PrintStream out;
  private final String indent;

  /**
   * A loader writing through {@code kv}.
   *
   * @param out where the progress bar goes
   * @param indent what the progress bar's line starts with, to line up with the caller's output
   */
  public BulkLoader(KV kv, PrintStream out, String indent) {
    this.kv = kv;
    this.out = out;
    this.indent = indent;
  }

  /**
   * Puts every key of {@code keys} and returns the revision of the last write.
   *
   * @throws IllegalStateException holding etcd's failure if a txn fails (the keys written until
   *     then stay)
   */
  public long load(KeySet keys) throws InterruptedException {
    Semaphore permits = new Semaphore(IN_FLIGHT);
    AtomicLong written = new AtomicLong();
    AtomicLong revision = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    ProgressBar bar = new ProgressBar(out, indent, "keys", keys.count());
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
      if (now - lastDraw > REDRAW_NANOS) {
        bar.update(written.get());
        lastDraw = now;
      }
    }
    permits.acquire(IN_FLIGHT);
    bar.finish(written.get());
    if (failure.get() != null) {
      throw new IllegalStateException("loading " + keys.root() + " failed: " + failure.get(), failure.get());
    }
    return revision.get();
  }

  /**
   * Deletes every key under {@code keys}' root in one request (for an etcd the caller did not start).
   *
   * @return how many keys etcd deleted
   * @throws IllegalStateException holding etcd's failure, or if it did not answer within 60 s
   */
  public long deleteAll(KeySet keys) throws InterruptedException {
    try {
      return kv.delete(keys.rootBytes(), DeleteOption.builder().isPrefix(true).build())
          .get(60, TimeUnit.SECONDS).getDeleted();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("deleting " + keys.root() + " failed: " + e, e);
    }
  }
}
