package dev.etcdcache.benchmarks.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * {@code callers} threads, each sending a request and waiting for its answer before the next (as
 * an application's request handlers do), for a warm-up that is not recorded and then a measured
 * window. Each caller records into its own histogram; they are merged after the callers stop.
 * Etcd's counters are read when the window opens and closes. Not thread-safe; use once.
 */
final class ClosedLoop {

  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** What the window measured. */
  record Outcome(long completed, long errors, double seconds, Histogram latencyNanos, EtcdCounters etcd) {
    double opsPerSecond() {
      return completed / seconds;
    }
  }

  private final int callers;
  private final Supplier<CompletableFuture<?>> request;

  ClosedLoop(int callers, Supplier<CompletableFuture<?>> request) {
    this.callers = callers;
    this.request = request;
  }

  Outcome run(Duration warmup, Duration window, Supplier<EtcdCounters> counters) throws InterruptedException {
    long windowStart = System.nanoTime() + warmup.toNanos();
    long windowEnd = windowStart + window.toNanos();
    List<Caller> all = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      Caller caller = new Caller(windowStart, windowEnd);
      caller.thread = new Thread(caller, "load-caller-" + i);
      caller.thread.setDaemon(true);
      all.add(caller);
      caller.thread.start();
    }
    sleepUntil(windowStart);
    EtcdCounters before = counters.get();
    sleepUntil(windowEnd);
    EtcdCounters after = counters.get();
    // Callers count exactly the requests they start inside the window, so the window is the
    // denominator; reading etcd's counters can take long when the callers saturate the CPU.
    double seconds = window.toNanos() / 1e9;
    Histogram merged = new Histogram(MAX_NANOS, 3);
    long completed = 0;
    long errors = 0;
    for (Caller caller : all) {
      caller.thread.join(TimeUnit.NANOSECONDS.toMillis(MAX_NANOS) + 5_000);
      merged.add(caller.histogram);
      completed += caller.completed;
      errors += caller.errors;
    }
    return new Outcome(completed, errors, seconds, merged, after.minus(before));
  }

  static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  /** One caller; its fields are read only after its thread has ended. */
  private final class Caller implements Runnable {
    private final long windowStart;
    private final long windowEnd;
    private final Histogram histogram = new Histogram(MAX_NANOS, 3);
    private long completed;
    private long errors;
    private Thread thread;

    Caller(long windowStart, long windowEnd) {
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
    }

    @Override
    public void run() {
      long start;
      while ((start = System.nanoTime()) < windowEnd) {
        boolean ok;
        try {
          request.get().get(MAX_NANOS, TimeUnit.NANOSECONDS);
          ok = true;
        } catch (ExecutionException | TimeoutException e) {
          ok = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (start >= windowStart) {
          if (ok) {
            histogram.recordValue(Math.min(System.nanoTime() - start, MAX_NANOS));
            completed++;
          } else {
            errors++;
          }
        }
      }
    }
  }
}
