package dev.etcdcache.demo;

import io.etcd.jetcd.KV;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Runs one workload on one client: {@code callers} threads, each sending one request and waiting
 * for its answer before the next (a closed loop, as request handlers of an application would),
 * first for a warm-up that is not recorded, then for the measured window.
 *
 * <p>Each caller records into its own histogram; they are merged once the callers have stopped.
 * The Range RPC and CPU counters are read when the window opens and when it closes. Not
 * thread-safe; use once.
 */
final class Measurement {

  private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final KV kv;
  private final DemoKeys keys;
  private final Operation operation;
  private final boolean serializable;
  private final int callers;
  private final LongAdder issued = new LongAdder();

  Measurement(KV kv, DemoKeys keys, Operation operation, boolean serializable, int callers) {
    this.kv = kv;
    this.keys = keys;
    this.operation = operation;
    this.serializable = serializable;
    this.callers = callers;
  }

  /** Requests sent so far, warm-up included. */
  long issued() {
    return issued.sum();
  }

  /**
   * Runs the warm-up and the window and returns what the window measured.
   *
   * @param rangeRpcs a monotonic count of Range RPCs that reached etcd
   * @param etcdCpu a monotonic count of etcd's CPU seconds, or null when not available
   */
  CellResult run(Duration warmup, Duration window, LongSupplier rangeRpcs, DoubleSupplier etcdCpu)
      throws InterruptedException {
    long windowStart = System.nanoTime() + warmup.toNanos();
    long windowEnd = windowStart + window.toNanos();
    List<Caller> running = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      Caller caller = new Caller(windowStart, windowEnd);
      Thread thread = new Thread(caller, "demo-caller-" + i);
      thread.setDaemon(true);
      caller.thread = thread;
      running.add(caller);
      thread.start();
    }
    sleepUntil(windowStart);
    long rpcsBefore = rangeRpcs.getAsLong();
    double cpuBefore = etcdCpu == null ? Double.NaN : etcdCpu.getAsDouble();
    sleepUntil(windowEnd);
    long rpcsAfter = rangeRpcs.getAsLong();
    double cpuAfter = etcdCpu == null ? Double.NaN : etcdCpu.getAsDouble();
    // Callers count exactly the requests they start inside the window, so the window is the
    // denominator; reading etcd's metrics can take long while the callers saturate the CPU.
    double seconds = window.toNanos() / 1e9;
    Histogram merged = new Histogram(MAX_LATENCY_NANOS, 3);
    long completed = 0;
    long errors = 0;
    for (Caller caller : running) {
      caller.thread.join(TimeUnit.SECONDS.toMillis(35));
      merged.add(caller.histogram);
      completed += caller.completed;
      errors += caller.errors;
    }
    return new CellResult(completed, errors, seconds, merged, rpcsAfter - rpcsBefore, cpuAfter - cpuBefore);
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  /** One closed-loop caller; its fields are read only after its thread has ended. */
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
          operation.issue(kv, keys, serializable).get(MAX_LATENCY_NANOS, TimeUnit.NANOSECONDS);
          ok = true;
        } catch (ExecutionException | TimeoutException e) {
          ok = false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        long latency = System.nanoTime() - start;
        if (start >= windowStart) {
          if (ok) {
            histogram.recordValue(Math.min(latency, MAX_LATENCY_NANOS));
            completed++;
          } else {
            errors++;
          }
        }
      }
    }
  }
}
