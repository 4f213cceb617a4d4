package dev.etcdcache.benchmarks.server;

import com.google.protobuf.ByteString;
import dev.etcdcache.demo.load.ClosedLoop;
import dev.etcdcache.demo.load.EtcdCounters;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop Range measurement over {@link Connections}: each connection has exactly one
 * request outstanding and sends the next from the previous one's completion callback (on its Netty
 * event loop, no caller threads). Every response is consumed as a caller would: every kv's key and
 * value bytes are read, and a response with a kv count other than {@code expectedKvs} counts as a
 * wrong answer. A warm-up is not recorded; etcd's counters are read when the window opens and
 * closes. Use once.
 */
final class RangeLoop {

  /**
   * What the window measured.
   *
   * @param completed requests sent and answered inside the window
   * @param errors requests sent inside the window that failed
   * @param wrong answers with an unexpected number of kvs
   * @param seconds the window
   * @param latencyNanos latency of each completed request
   * @param etcd etcd's counters over the window
   * @param proxyCpuSeconds CPU the proxy process used over the window (NaN for direct etcd)
   * @param clientCpuSeconds CPU the harness (load generator) used over the window
   */
  record Outcome(long completed, long errors, long wrong, double seconds, Histogram latencyNanos, EtcdCounters etcd,
      double proxyCpuSeconds, double clientCpuSeconds) {
    double opsPerSecond() {
      return completed / seconds;
    }

    double p50Micros() {
      return latencyNanos.getValueAtPercentile(50) / 1e3;
    }

    double p99Micros() {
      return latencyNanos.getValueAtPercentile(99) / 1e3;
    }
  }

  private final Connections connections;
  private final Supplier<RangeRequest> request;
  private final int expectedKvs;

  RangeLoop(Connections connections, Supplier<RangeRequest> request, int expectedKvs) {
    this.connections = connections;
    this.request = request;
    this.expectedKvs = expectedKvs;
  }

  Outcome run(Duration warmup, Duration window, Supplier<EtcdCounters> counters, DoubleSupplier proxyCpu)
      throws InterruptedException {
    long windowStart = System.nanoTime() + warmup.toNanos();
    long windowEnd = windowStart + window.toNanos();
    CountDownLatch stopped = new CountDownLatch(connections.size());
    List<Caller> callers = new ArrayList<>();
    for (int i = 0; i < connections.size(); i++) {
      Caller c = new Caller(KVGrpc.newStub(connections.get(i)), windowStart, windowEnd, stopped);
      callers.add(c);
    }
    callers.forEach(Caller::send);
    ClosedLoop.sleepUntil(windowStart);
    EtcdCounters before = counters.get();
    double proxy0 = proxyCpu.getAsDouble();
    double client0 = ServerBench.harnessCpuSeconds();
    ClosedLoop.sleepUntil(windowEnd);
    double proxy1 = proxyCpu.getAsDouble();
    double client1 = ServerBench.harnessCpuSeconds();
    EtcdCounters after = counters.get();
    if (!stopped.await(2, TimeUnit.MINUTES)) {
      throw new IllegalStateException("callers did not stop within 2 minutes of the window's end");
    }
    Histogram merged = new Histogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    long completed = 0;
    long errors = 0;
    long wrong = 0;
    long sink = 0;
    for (Caller c : callers) {
      synchronized (c) {
        merged.add(c.histogram);
        completed += c.completed;
        errors += c.errors;
        wrong += c.wrong;
        sink += c.sink;
      }
    }
    if (sink == 42) {
      System.out.print(""); // keeps the consumed bytes observable
    }
    return new Outcome(completed, errors, wrong, window.toNanos() / 1e9, merged, after.minus(before), proxy1 - proxy0,
        client1 - client0);
  }

  /** One connection's loop; its fields are written by one callback at a time and read after it stops. */
  private final class Caller implements StreamObserver<RangeResponse> {
    private final KVGrpc.KVStub stub;
    private final long windowStart;
    private final long windowEnd;
    private final CountDownLatch stopped;
    private final Histogram histogram = new Histogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    private long sent;
    private long completed;
    private long errors;
    private long wrong;
    private long sink;
    private boolean answered;

    Caller(KVGrpc.KVStub stub, long windowStart, long windowEnd, CountDownLatch stopped) {
      this.stub = stub;
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
      this.stopped = stopped;
    }

    synchronized void send() {
      sent = System.nanoTime();
      answered = false;
      stub.withDeadlineAfter(60, TimeUnit.SECONDS).range(request.get(), this);
    }

    @Override
    public synchronized void onNext(RangeResponse r) {
      long s = 0;
      for (KeyValue kv : r.getKvsList()) {
        s += consume(kv.getKey()) + consume(kv.getValue());
      }
      sink += s;
      answered = r.getKvsCount() == expectedKvs;
    }

    @Override
    public void onCompleted() {
      long now = System.nanoTime();
      synchronized (this) {
        if (sent >= windowStart) {
          if (answered) {
            histogram.recordValue(Math.min(now - sent, ClosedLoop.MAX_LATENCY_NANOS));
            completed++;
          } else {
            wrong++;
          }
        }
      }
      next(now);
    }

    @Override
    public void onError(Throwable t) {
      long now = System.nanoTime();
      synchronized (this) {
        if (sent >= windowStart) {
          errors++;
        }
      }
      next(now);
    }

    private void next(long now) {
      if (now < windowEnd) {
        send();
      } else {
        stopped.countDown();
      }
    }
  }

  private static long consume(ByteString bytes) {
    long s = 0;
    for (int i = 0, n = bytes.size(); i < n; i++) {
      s += bytes.byteAt(i);
    }
    return s;
  }
}
