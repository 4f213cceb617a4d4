package dev.etcdcache.benchmarks.server;

import com.google.protobuf.ByteString;
import dev.etcdcache.demo.load.ClosedLoop;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Watch fan-out through one contender: {@code watchStreams} raw Watch streams (one prefix watch
 * each, all on the same prefix) spread over {@code watchConnections} connections, while an
 * open-loop writer on its own connection Puts to etcd directly at a given rate over 100
 * keys under that prefix. Each value carries its sequence number and send time.
 *
 * <p>Latency from ack: receive time minus the time the Put's acknowledgement reached the writer; an
 * event that arrives before the acknowledgement records 0 (counted as "before ack"). From send:
 * minus the send time carried in the value. Percentiles cover events written inside the measured
 * window. Missed: acknowledged writes (warm-up included) some stream never received within the
 * drain; duplicates: an event received twice on one stream. Streams/watchers held: etcd's gauges
 * with every stream created, minus the harness's baseline taken before any proxy started; streams
 * added: etcd's streams with every stream created minus just before the cell's clients connected.
 * CPU: seconds etcd, the proxy and the harness used from the first write until every delivery
 * arrived (or the drain ended). Not thread-safe; one contender at a time.
 */
final class WatchFanOut {

  private static final int KEYS = 100;
  private static final int VALUE_BYTES = 64;

  /** One contender's fan-out. */
  record Cell(Contender contender, int rate, Histogram fromAck, Histogram fromSend, long beforeAck, long expected,
      long delivered, long missed, long duplicates, long canceled, long streamsHeld, long watchersHeld, long streamsAdded,
      long createMillis, long writeErrors, double seconds, double etcdCpu, double proxyCpu, double clientCpu,
      double busySeconds) {

    double p50Millis() {
      return fromAck.getValueAtPercentile(50) / 1e6;
    }

    double p99Millis() {
      return fromAck.getValueAtPercentile(99) / 1e6;
    }
  }

  private final ServerBench bench;
  private final double[] baseline;

  /** @param baseline etcd's {watch streams, watchers} before any proxy or watcher existed */
  WatchFanOut(ServerBench bench, double[] baseline) {
    this.bench = bench;
    this.baseline = baseline.clone();
  }

  Cell run(Contender contender, int rate) throws InterruptedException {
    return run(contender, rate, bench.options().watchWindow(), "");
  }

  /**
   * An unmeasured fan-out at {@code rate} for {@code window}, run once per contender before its
   * measured cells: the cache-server JVM compiles its watch path (C2 took most of a core for the
   * first seconds of a cold server's fan-out, which a long-running server paid once at start), and
   * every contender gets the same.
   */
  Cell warmUp(Contender contender, int rate, Duration window) throws InterruptedException {
    return run(contender, rate, window, "warm-up/");
  }

  private Cell run(Contender contender, int rate, Duration window, String tag) throws InterruptedException {
    ServerOptions o = bench.options();
    String prefix = "/fanout/" + tag + rate + "/" + contender.name().toLowerCase(Locale.ROOT) + "/";
    int warmupWrites = (int) (rate * o.watchWarmup().toMillis() / 1000);
    int total = warmupWrites + (int) (rate * window.toMillis() / 1000);
    AtomicLongArray ackNanos = new AtomicLongArray(total);
    Histogram fromAck = new ConcurrentHistogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    Histogram fromSend = new ConcurrentHistogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    AtomicLong beforeAck = new AtomicLong();
    AtomicLong delivered = new AtomicLong();
    CountDownLatch created = new CountDownLatch(o.watchStreams());
    List<Watcher> watchers = new ArrayList<>(o.watchStreams());
    ByteString key = ByteString.copyFromUtf8(prefix);
    WatchRequest create = WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(key).setRangeEnd(RangeRows.prefixEnd(key))).build();
    // etcd's watch streams before this cell's clients exist: what they add is the contender's doing
    // alone (a grpc-proxy keeps its emptied upstream stream after its clients leave).
    double[] before = bench.watchGauges();
    try (Connections conns = Connections.open(bench.port(contender), o.watchConnections());
         Connections writerConn = Connections.open(bench.port(Contender.DIRECT), 1)) {
      long t0 = System.nanoTime();
      for (int w = 0; w < o.watchStreams(); w++) {
        Watcher watcher = new Watcher(total, warmupWrites, ackNanos, fromAck, fromSend, beforeAck, delivered, created);
        watcher.requests = WatchGrpc.newStub(conns.get(w % conns.size())).watch(watcher);
        watcher.requests.onNext(create);
        watchers.add(watcher);
      }
      if (!created.await(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException(String.format(Locale.ROOT, "%s: only %d of %d watch streams created",
            contender.label(), o.watchStreams() - created.getCount(), o.watchStreams()));
      }
      long createMillis = (System.nanoTime() - t0) / 1_000_000;
      double[] held = bench.watchGauges();
      double etcd0 = bench.counters().cpuSeconds();
      double proxy0 = contender == Contender.DIRECT ? Double.NaN : bench.cpuSeconds(contender);
      double client0 = ServerBench.harnessCpuSeconds();
      long busy0 = System.nanoTime();
      long writeErrors = write(writerConn, prefix, total, rate, ackNanos);
      long acked = 0;
      for (int s = 0; s < total; s++) {
        acked += ackNanos.get(s) != 0 ? 1 : 0;
      }
      long expected = acked * o.watchStreams();
      long drainEnd = System.nanoTime() + o.watchDrain().toNanos();
      while (delivered.get() < expected && System.nanoTime() < drainEnd) {
        Thread.sleep(20);
      }
      long busy1 = System.nanoTime();
      double etcd1 = bench.counters().cpuSeconds();
      double proxy1 = contender == Contender.DIRECT ? Double.NaN : bench.cpuSeconds(contender);
      double client1 = ServerBench.harnessCpuSeconds();
      Thread.sleep(200); // late duplicates show up here
      long missed = 0;
      long duplicates = 0;
      long canceled = 0;
      for (Watcher w : watchers) {
        synchronized (w) {
          for (int s = 0; s < total; s++) {
            if (ackNanos.get(s) != 0 && !w.received.get(s)) {
              missed++;
            }
          }
          duplicates += w.duplicates;
          canceled += w.canceled ? 1 : 0;
        }
      }
      for (Watcher w : watchers) {
        w.requests.onCompleted();
      }
      return new Cell(contender, rate, fromAck, fromSend, beforeAck.get(), expected, delivered.get(), missed, duplicates,
          canceled, Math.round(held[0] - baseline[0]), Math.round(held[1] - baseline[1]), Math.round(held[0] - before[0]),
          createMillis, writeErrors,
          window.toNanos() / 1e9, etcd1 - etcd0, proxy1 - proxy0, client1 - client0, (busy1 - busy0) / 1e9);
    } finally {
      awaitReleased();
    }
  }

  /** Open-loop Puts at the configured rate; returns how many failed. */
  private long write(Connections conn, String prefix, int total, int rate, AtomicLongArray ackNanos)
      throws InterruptedException {
    KVGrpc.KVStub kv = KVGrpc.newStub(conn.get(0));
    long interval = 1_000_000_000L / rate;
    AtomicLong errors = new AtomicLong();
    CountDownLatch answered = new CountDownLatch(total);
    long start = System.nanoTime();
    for (int s = 0; s < total; s++) {
      ClosedLoop.sleepUntil(start + s * interval);
      int seq = s;
      long sent = System.nanoTime();
      PutRequest put = PutRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8(String.format(Locale.ROOT, "%sk%03d", prefix, seq % KEYS)))
          .setValue(value(seq, sent)).build();
      kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(put, new StreamObserver<>() {
        @Override
        public void onNext(PutResponse r) {
          ackNanos.set(seq, System.nanoTime());
        }

        @Override
        public void onError(Throwable t) {
          errors.incrementAndGet();
          answered.countDown();
        }

        @Override
        public void onCompleted() {
          answered.countDown();
        }
      });
    }
    answered.await(30, TimeUnit.SECONDS);
    return errors.get();
  }

  private static ByteString value(int seq, long sentNanos) {
    StringBuilder b = new StringBuilder(VALUE_BYTES).append(seq).append(',').append(sentNanos).append(',');
    while (b.length() < VALUE_BYTES) {
      b.append('.');
    }
    return ByteString.copyFromUtf8(b.toString());
  }

  /** Waits (bounded) until etcd has dropped the streams this cell opened, so the next cell's count is clean. */
  private void awaitReleased() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (bench.watchGauges()[1] > baseline[1] + 1 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  /** One watch stream; its callbacks come one at a time (gRPC serializes a call's callbacks). */
  private static final class Watcher implements StreamObserver<WatchResponse> {
    private final BitSet received;
    private final int warmupWrites;
    private final AtomicLongArray ackNanos;
    private final Histogram fromAck;
    private final Histogram fromSend;
    private final AtomicLong beforeAck;
    private final AtomicLong delivered;
    private final CountDownLatch created;
    private long duplicates;
    private boolean canceled;
    StreamObserver<WatchRequest> requests;

    Watcher(int total, int warmupWrites, AtomicLongArray ackNanos, Histogram fromAck, Histogram fromSend,
        AtomicLong beforeAck, AtomicLong delivered, CountDownLatch created) {
      this.received = new BitSet(total);
      this.warmupWrites = warmupWrites;
      this.ackNanos = ackNanos;
      this.fromAck = fromAck;
      this.fromSend = fromSend;
      this.beforeAck = beforeAck;
      this.delivered = delivered;
      this.created = created;
    }

    @Override
    public synchronized void onNext(WatchResponse r) {
      long now = System.nanoTime();
      if (r.getCreated()) {
        created.countDown();
      }
      if (r.getCanceled()) {
        canceled = true;
      }
      for (Event e : r.getEventsList()) {
        String v = e.getKv().getValue().toString(StandardCharsets.US_ASCII);
        int c1 = v.indexOf(',');
        int c2 = v.indexOf(',', c1 + 1);
        int seq = Integer.parseInt(v, 0, c1, 10);
        long sent = Long.parseLong(v, c1 + 1, c2, 10);
        if (received.get(seq)) {
          duplicates++;
          continue;
        }
        received.set(seq);
        delivered.incrementAndGet();
        if (seq < warmupWrites) {
          continue;
        }
        fromSend.recordValue(Math.min(Math.max(0, now - sent), ClosedLoop.MAX_LATENCY_NANOS));
        long ack = ackNanos.get(seq);
        if (ack == 0 || ack > now) {
          beforeAck.incrementAndGet();
          fromAck.recordValue(0);
        } else {
          fromAck.recordValue(Math.min(now - ack, ClosedLoop.MAX_LATENCY_NANOS));
        }
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      canceled = true;
      created.countDown();
    }

    @Override
    public void onCompleted() {
    }
  }
}
