package dev.etcdcache.benchmarks.load;

import dev.etcdcache.demo.load.ClosedLoop;
import dev.etcdcache.demo.load.KeySet;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * The open-loop writer of the watch fan-out scenario: Puts at a fixed rate, each on the key
 * {@code keyOf(seq)} with a {@link KeySet#VALUE_BYTES}-byte value that starts with its sequence
 * number ({@code seq=00001234;}), without waiting for answers. For every sequence number it records
 * when the Put was sent and when etcd's acknowledgement reached this JVM ({@code 0} while not yet
 * acknowledged), so listeners can tell delivery latency from either point.
 *
 * <p>Send and ack times are written by the writer thread and jetcd's completion threads and read by
 * listeners on any thread: they sit in {@link AtomicLongArray}s. Use once.
 */
final class EventWriter {

  private static final int MAX_OUTSTANDING = 5_000;
  private static final byte[] HEAD = "seq=".getBytes(StandardCharsets.US_ASCII);
  private static final int DIGITS = 9;

  private final KV kv;
  private final IntFunction<ByteSequence> keyOf;
  private final int eventsPerSecond;
  private final int total;
  private final int firstMeasured;
  private final AtomicLongArray sentNanos;
  private final AtomicLongArray ackedNanos;
  private final LongAdder errors = new LongAdder();
  private long dropped;
  private volatile long windowStart;
  private volatile long windowEnd;

  /**
   * @param keyOf key of each sequence number
   * @param eventsPerSecond offered write rate
   * @param warmup unmeasured time first; its events are still checked for exactly-once delivery
   * @param window measured time
   */
  EventWriter(KV kv, IntFunction<ByteSequence> keyOf, int eventsPerSecond, Duration warmup, Duration window) {
    this.kv = kv;
    this.keyOf = keyOf;
    this.eventsPerSecond = eventsPerSecond;
    this.firstMeasured = (int) (warmup.toNanos() * eventsPerSecond / 1_000_000_000L);
    this.total = firstMeasured + (int) (window.toNanos() * eventsPerSecond / 1_000_000_000L);
    this.sentNanos = new AtomicLongArray(total);
    this.ackedNanos = new AtomicLongArray(total);
  }

  /** Writes every event on schedule, then waits (at most a minute) for the outstanding acknowledgements. */
  void run() throws InterruptedException {
    Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    long interval = 1_000_000_000L / eventsPerSecond;
    long start = System.nanoTime();
    windowStart = start + firstMeasured * interval;
    windowEnd = start + total * interval;
    for (int seq = 0; seq < total; seq++) {
      ClosedLoop.sleepUntil(start + seq * interval);
      if (!outstanding.tryAcquire()) {
        dropped++;
        continue;
      }
      int s = seq;
      ByteSequence key = keyOf.apply(seq);
      ByteSequence value = value(seq);
      sentNanos.set(seq, System.nanoTime());
      kv.put(key, value).whenComplete((r, e) -> {
        if (e == null) {
          ackedNanos.set(s, System.nanoTime());
        } else {
          errors.increment();
        }
        outstanding.release();
      });
    }
    outstanding.tryAcquire(MAX_OUTSTANDING, 60, TimeUnit.SECONDS);
  }

  int total() {
    return total;
  }

  boolean measured(int seq) {
    return seq >= firstMeasured;
  }

  boolean acknowledged(int seq) {
    return ackedNanos.get(seq) != 0;
  }

  long sentNanos(int seq) {
    return sentNanos.get(seq);
  }

  /** When etcd's acknowledgement arrived, or 0 if it has not (yet). */
  long ackedNanos(int seq) {
    return ackedNanos.get(seq);
  }

  long windowStart() {
    return windowStart;
  }

  long windowEnd() {
    return windowEnd;
  }

  long errors() {
    return errors.sum();
  }

  long dropped() {
    return dropped;
  }

  /** The sequence number at the head of a value this writer wrote, or -1 for another value. */
  static int sequence(ByteSequence value) {
    byte[] bytes = value.getBytes();
    if (bytes.length < HEAD.length + DIGITS || !Arrays.equals(bytes, 0, HEAD.length, HEAD, 0, HEAD.length)) {
      return -1;
    }
    int seq = 0;
    for (int i = HEAD.length; i < HEAD.length + DIGITS; i++) {
      seq = seq * 10 + (bytes[i] - '0');
    }
    return seq;
  }

  private static ByteSequence value(int seq) {
    byte[] value = new byte[KeySet.VALUE_BYTES];
    Arrays.fill(value, (byte) 'v');
    System.arraycopy(HEAD, 0, value, 0, HEAD.length);
    for (int i = HEAD.length + DIGITS - 1, n = seq; i >= HEAD.length; i--, n /= 10) {
      value[i] = (byte) ('0' + n % 10);
    }
    value[HEAD.length + DIGITS] = ';';
    return ByteSequence.from(value);
  }
}
