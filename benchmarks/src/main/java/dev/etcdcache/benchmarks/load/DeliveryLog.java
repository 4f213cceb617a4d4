package dev.etcdcache.benchmarks.load;

import dev.etcdcache.demo.load.ClosedLoop;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * What the watchers of one fan-out cell received: for each watcher the set of {@link EventWriter}
 * sequence numbers it got (to check every event arrived exactly once), and delivery latency of
 * each event written in the measured window, twice:
 * <ul>
 *   <li><b>from ack</b>: listener's clock minus the time etcd's acknowledgement of the Put reached
 *       the writer; an event that reaches the listener before its acknowledgement (etcd sends the
 *       watch event and the Put response independently; 20-30% arrive first) records 0 and is
 *       counted as "before ack";
 *   <li><b>from send</b>: listener's clock minus the time the Put was sent; always defined.
 * </ul>
 *
 * <h2>Threads</h2>
 * Listeners run on jetcd's event loop (direct) or the cache's delivery threads. Each thread records
 * into its own pair of histograms (found through a {@link ThreadLocal}, locked only by that thread
 * while recording and by {@link #merge} at the end), so half a million deliveries a second do not
 * contend on one histogram. A watcher's set is locked per watcher; its callbacks are serial anyway.
 */
final class DeliveryLog {

  private static final long MAX_NANOS = ClosedLoop.MAX_LATENCY_NANOS;

  private final EventWriter writer;
  private final Watcher[] watchers;
  private final ConcurrentLinkedQueue<Histograms> perThread = new ConcurrentLinkedQueue<>();
  private final ThreadLocal<Histograms> mine = ThreadLocal.withInitial(this::newHistograms);
  private final LongAdder unique = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder foreign = new LongAdder();
  private final LongAdder inWindow = new LongAdder();
  private final LongAdder beforeAck = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final CountDownLatch created;

  DeliveryLog(EventWriter writer, int watchers) {
    this.writer = writer;
    this.watchers = new Watcher[watchers];
    for (int i = 0; i < watchers; i++) {
      this.watchers[i] = new Watcher();
    }
    this.created = new CountDownLatch(watchers);
  }

  /** The listener of watcher {@code index}; it must be opened with {@code withCreateNotify(true)}. */
  Watch.Listener listener(int index) {
    Watcher w = watchers[index];
    return Watch.listener(r -> onResponse(w, r), e -> errors.increment());
  }

  CountDownLatch created() {
    return created;
  }

  /** Distinct (watcher, event) deliveries so far. */
  long unique() {
    return unique.sum();
  }

  long duplicates() {
    return duplicates.sum();
  }

  /** Events that did not come from the writer (none expected). */
  long foreign() {
    return foreign.sum();
  }

  /** Deliveries that happened inside the writer's measured window, by the listener's clock. */
  long deliveriesInWindow() {
    return inWindow.sum();
  }

  long beforeAck() {
    return beforeAck.sum();
  }

  /** {@code onError} calls. */
  long errors() {
    return errors.sum();
  }

  /**
   * Events that should have reached a watcher and did not: for each watcher, the acknowledged
   * sequence numbers {@code expected} says belong to it and it has not received.
   */
  long missed(WatcherRange expected) {
    long missed = 0;
    for (int w = 0; w < watchers.length; w++) {
      BitSet want = expected.sequences(w, writer);
      synchronized (watchers[w]) {
        want.andNot(watchers[w].seen);
      }
      missed += want.cardinality();
    }
    return missed;
  }

  /** {from ack, from send} histograms of every thread, merged; call once deliveries have stopped. */
  Histogram[] merge() {
    Histogram fromAck = new Histogram(MAX_NANOS, 3);
    Histogram fromSend = new Histogram(MAX_NANOS, 3);
    for (Histograms h : perThread) {
      synchronized (h) {
        fromAck.add(h.fromAck);
        fromSend.add(h.fromSend);
      }
    }
    return new Histogram[] {fromAck, fromSend};
  }

  /** Which sequence numbers a watcher should receive. */
  interface WatcherRange {
    BitSet sequences(int watcher, EventWriter writer);
  }

  private void onResponse(Watcher w, WatchResponse response) {
    if (response.isCreatedNotify()) {
      created.countDown();
      return;
    }
    List<WatchEvent> events = response.getEvents();
    if (events.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    Histograms h = mine.get();
    boolean window = now >= writer.windowStart() && now < writer.windowEnd();
    for (WatchEvent event : events) {
      int seq = EventWriter.sequence(event.getKeyValue().getValue());
      if (seq < 0 || seq >= writer.total()) {
        foreign.increment();
        continue;
      }
      boolean first;
      synchronized (w) {
        first = !w.seen.get(seq);
        w.seen.set(seq);
      }
      if (!first) {
        duplicates.increment();
        continue;
      }
      unique.increment();
      if (window) {
        inWindow.increment();
      }
      if (writer.measured(seq)) {
        long acked = writer.ackedNanos(seq);
        long fromAck = acked == 0 ? 0 : Math.max(0, now - acked);
        if (acked == 0) {
          beforeAck.increment();
        }
        synchronized (h) {
          h.fromAck.recordValue(Math.min(fromAck, MAX_NANOS));
          h.fromSend.recordValue(Math.min(Math.max(0, now - writer.sentNanos(seq)), MAX_NANOS));
        }
      }
    }
  }

  private Histograms newHistograms() {
    Histograms h = new Histograms();
    perThread.add(h);
    return h;
  }

  private static final class Watcher {
    final BitSet seen = new BitSet();
  }

  private static final class Histograms {
    final Histogram fromAck = new Histogram(MAX_NANOS, 3);
    final Histogram fromSend = new Histogram(MAX_NANOS, 3);
  }
}
