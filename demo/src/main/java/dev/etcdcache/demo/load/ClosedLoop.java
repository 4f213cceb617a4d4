package dev.etcdcache.demo.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop measurement of one workload on one client: {@code callers} threads, each sending a
 * request and waiting for its answer before the next (as an application's request handlers do),
 * first for a warm-up that is not recorded, then for a measured window.
 *
 * <p>Each caller records into its own histogram; they are merged after the callers stop. Etcd's
 * counters are read when the window opens and when it closes. Not thread-safe; use once (only
 * {@link #issued()} may be read from any thread at any time).
 */
public final class ClosedLoop {

  /** The longest latency recorded; a slower request counts at this value. */
  public static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);

  /**
   * What the window measured.
   *
   * @param completed requests started and answered within the window
   * @param errors requests started within the window that failed or timed out
   * @param seconds length of the window
   * @param latencyNanos latency of each completed request
   * @param etcd what etcd counted during the window
   */
  public record Outcome(long completed, long errors, double seconds, Histogram latencyNanos, EtcdCounters etcd) {

    /** Completed requests per second of the window. */
    public double opsPerSecond() {
      return completed / seconds;
    }
  }

  private final int callers;
  private final Supplier<? extends CompletableFuture<?>> request;
  private final LongAdder issued = new LongAdder();

  /**
   * A measurement of {@code request}.
   *
   * @param callers concurrent callers, 1 or more
   * @param request sends one request; called concurrently by the callers
   */
  public ClosedLoop(int callers, Supplier<? extends CompletableFuture<?>> request) {
    if (callers < 1) {
      throw new IllegalArgumentException("callers must be 1 or more: " + callers);
    }
    this.callers = callers;
    this.request = request;
  }

  /** Requests sent so far, warm-up included. */
  public long issued() {
    return issued.sum();
  }

  /**
   * Runs the warm-up and the window and returns what the window measured; blocks until the callers
   * have stopped.
   *
   * @param counters reads etcd's counters; called when the window opens and when it closes
   */
  public Outcome run(Duration warmup, Duration window, Supplier<EtcdCounters> counters) throws InterruptedException {
    long windowStart = System.nanoTime() + warmup.toNanos();
    long windowEnd = windowStart + window.toNanos();
    List<Caller> running = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      Caller caller = new Caller(windowStart, windowEnd);
      caller.thread = new Thread(caller, "load-caller-" + i);
      caller.thread.setDaemon(true);
      running.add(caller);
      caller.thread.start();
    }
    sleepUntil(windowStart);
    EtcdCounters before = counters.get();
    sleepUntil(windowEnd);
    EtcdCounters after = counters.get();
    // Callers count exactly the requests they start inside the window, so the window is the
    // denominator; reading etcd's counters can take long when the callers saturate the CPU.
    double seconds = window.toNanos() / 1e9;
    Histogram merged = new Histogram(MAX_LATENCY_NANOS, 3);
    long completed = 0;
    long errors = 0;
    for (Caller caller : running) {
      caller.thread.join(TimeUnit.NANOSECONDS.toMillis(MAX_LATENCY_NANOS) + 5_000);
      merged.add(caller.histogram);
      completed += caller.completed;
      errors += caller.errors;
    }
    return new Outcome(completed, errors, seconds, merged, after.minus(before));
  }

  /**
   * Sleeps until {@link System#nanoTime()} reaches {@code nanoTime}; returns at once if it has.
   * Public because the harness's open-loop schedules pace themselves the same way.
   */
  public static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  /** One caller; its fields are read only after its thread has ended. */
  private final class Caller implements Runnable {
    private final long windowStart;
    private final long windowEnd;
    private final Histogram histogram = new Histogram(MAX_LATENCY_NANOS, 3);
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
          issued.increment();
          request.get().get(MAX_LATENCY_NANOS, TimeUnit.NANOSECONDS);
          ok = true;
        } catch (ExecutionException | TimeoutException e) {
          ok = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (start >= windowStart) {
          if (ok) {
            histogram.recordValue(Math.min(System.nanoTime() - start, MAX_LATENCY_NANOS));
            completed++;
          } else {
            errors++;
          }
        }
      }
    }
  }
}
