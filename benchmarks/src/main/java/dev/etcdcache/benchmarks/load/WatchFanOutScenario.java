package dev.etcdcache.benchmarks.load;

import static dev.etcdcache.benchmarks.load.ReadScenarios.fmt;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.CachingWatch;
import dev.etcdcache.demo.load.EtcdCounters;
import dev.etcdcache.testing.EtcdMetrics;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Scenario 4 of issue 7, watch fan-out, on direct jetcd watchers and on {@code CachingWatch}:
 * <ul>
 *   <li><b>broadcast</b>: 1, 100 and 1,000 watchers on one prefix, an open-loop writer Putting 500
 *       events/s over 100 keys under it, so every watcher should receive every event;
 *   <li><b>demux</b>: 1,000 and 10,000 watchers each on its own key, 1,000 events/s round-robin over
 *       the keys, so each event belongs to exactly one watcher.
 * </ul>
 * The cache runs twice per variant: listeners on its delivery pool (the default), and marked
 * {@link CachingWatch#inline} (called on the mirror's apply thread, no hand-off).
 * Per cell: delivery latency (see {@link DeliveryLog}: from the write's acknowledgement, an event
 * that arrives before it counting 0; and from the send), deliveries per second inside the measured
 * window, missed and duplicate events per watcher (every watcher must get each of its events exactly
 * once, checked after a drain period), and the watch streams and watchers etcd holds for the
 * contender ({@code etcd_debugging_mvcc_watch_stream_total} / {@code _watcher_total}, gauges read
 * before the contender's client opens and once every watcher has its created notification).
 *
 * <p>Each cell has its own prefix, its own fresh watching client (a jetcd {@link Client} for direct,
 * a {@link CachingClient} mirroring only {@link #ROOT} for the cache) and one shared writer client,
 * so acknowledgements never queue behind listener callbacks. Direct demux is capped by
 * {@link HarnessOptions#directDemuxWatchers()}: jetcd opens one gRPC stream per watcher. Not
 * thread-safe.
 */
final class WatchFanOutScenario {

  static final String WATCH = "4-watch-fan-out";
  static final String ROOT = "/registry/watch/";

  private static final int BROADCAST_KEYS = 100;
  private static final Duration CREATE_TIMEOUT = Duration.ofMinutes(2);

  private final Bench bench;

  WatchFanOutScenario(Bench bench) {
    this.bench = bench;
    HarnessOptions o = bench.options();
    bench.report().scenario(WATCH, "4. Watch fan-out",
        fmt("Open-loop writer on its own jetcd client; %.0f s warm-up then %.0f s measured, then up to %.0f s for "
            + "stragglers. Latency **from ack**: listener time minus the time the Put's acknowledgement reached the "
            + "writer; events that reach the listener before that acknowledgement (etcd answers the Put and sends "
            + "the event independently) record **0** and are counted in \"before ack\". **From send**: minus the "
            + "time the Put was sent. Percentiles cover delivered events only. Undelivered/duplicates: per watcher, "
            + "against every acknowledged Put that belongs to it (warm-up included), after the drain; a contender "
            + "that falls behind shows its backlog here, not lost events. Streams/watchers held: etcd's gauges with all watchers created, minus before "
            + "the contender's client opened (the cache's count includes its mirror's own watch). Direct demux is "
            + "capped at %,d watchers (one gRPC stream each).",
            o.watchWarmup().toMillis() / 1e3, o.watchWindow().toMillis() / 1e3, o.watchDrain().toMillis() / 1e3,
            o.directDemuxWatchers()));
  }

  /** Variant to {direct p99 ms from ack (NaN if not run), cache p99 ms, cache streams held, cache missed+dups}. */
  Map<String, double[]> run() throws Exception {
    Map<String, double[]> targets = new LinkedHashMap<>();
    try (Client writer = bench.etcd().newClient()) {
      for (int watchers : new int[] {1, 100, 1000}) {
        targets.put("broadcast " + watchers, pair(writer, true, watchers, 500));
      }
      for (int watchers : new int[] {1000, 10_000}) {
        targets.put("demux " + watchers, pair(writer, false, watchers, 1000));
      }
    }
    return targets;
  }

  private double[] pair(Client writer, boolean broadcast, int watchers, int rate) throws Exception {
    String variant = fmt("%s, %,d watchers, %,d events/s", broadcast ? "broadcast" : "demux", watchers, rate);
    Cell direct = null;
    if (broadcast || watchers <= bench.options().directDemuxWatchers()) {
      direct = cell(writer, Contender.DIRECT, broadcast, watchers, rate);
      bench.report().add(row(variant, direct, null));
    }
    Cell cached = cell(writer, Contender.ETCD_CACHE, broadcast, watchers, rate);
    bench.report().add(row(variant, cached, direct));
    Cell inline = cell(writer, Contender.ETCD_CACHE_INLINE, broadcast, watchers, rate);
    bench.report().add(row(variant, inline, direct));
    bench.say("    %-40s jetcd %s | etcd-cache %s | inline %s", variant,
        direct == null ? "not run (capped)" : direct.summary(), cached.summary(), inline.summary());
    return new double[] {direct == null ? Double.NaN : direct.p99Millis(), cached.p99Millis(), cached.streamsHeld,
        cached.missed + cached.log.duplicates()};
  }

  private Cell cell(Client writerClient, Contender contender, boolean broadcast, int watchers, int rate)
      throws Exception {
    String prefix = ROOT + (broadcast ? "b" : "d") + watchers + "-" + contender.label() + "/";
    HarnessOptions o = bench.options();
    EventWriter writer = new EventWriter(writerClient.getKVClient(),
        seq -> key(prefix, broadcast ? seq % BROADCAST_KEYS : seq % watchers), rate, o.watchWarmup(), o.watchWindow());
    DeliveryLog log = new DeliveryLog(writer, watchers);
    double[] before = watchGauges();
    Client direct = null;
    CachingClient cache = null;
    List<Watch.Watcher> opened = new ArrayList<>(watchers);
    try {
      Watch watch;
      if (contender == Contender.DIRECT) {
        direct = bench.etcd().newClient();
        watch = direct.getWatchClient();
      } else {
        cache = CachingClient.builder(bench.upstream()).prefixes(bytes(ROOT)).build();
        if (!cache.awaitReady(Duration.ofMinutes(1))) {
          throw new IllegalStateException("watch cache not ready: " + cache.status());
        }
        watch = cache.getWatchClient();
      }
      long t0 = System.nanoTime();
      for (int w = 0; w < watchers; w++) {
        WatchOption option = WatchOption.builder().isPrefix(broadcast).withCreateNotify(true).build();
        Watch.Listener listener = contender == Contender.ETCD_CACHE_INLINE
            ? CachingWatch.inline(log.listener(w)) : log.listener(w);
        opened.add(watch.watch(broadcast ? bytes(prefix) : key(prefix, w), option, listener));
      }
      boolean allCreated = log.created().await(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      long createMillis = (System.nanoTime() - t0) / 1_000_000;
      if (!allCreated) {
        throw new IllegalStateException(fmt("%s: only %,d of %,d watchers created in %d s", contender.label(),
            watchers - log.created().getCount(), watchers, CREATE_TIMEOUT.toSeconds()));
      }
      double[] held = watchGauges();
      EtcdCounters c0 = bench.counters();
      writer.run();
      long expected = expected(writer, broadcast, watchers);
      long drainEnd = System.nanoTime() + o.watchDrain().toNanos();
      while (log.unique() < expected && System.nanoTime() < drainEnd) {
        Thread.sleep(20);
      }
      Thread.sleep(100); // late duplicates, if any, show up here
      EtcdCounters cost = bench.counters().minus(c0);
      long missed = log.missed((w, wr) -> sequences(w, wr, broadcast, watchers));
      long upstreamWatches = cache == null ? 0 : Math.max(0, cache.stats().upstreamWatchStreams() - 1);
      return new Cell(contender, watchers, rate, writer, log, log.merge(), expected, missed,
          (long) (held[0] - before[0]), (long) (held[1] - before[1]), createMillis, upstreamWatches, cost,
          o.watchWindow().toNanos() / 1e9);
    } finally {
      for (Watch.Watcher w : opened) {
        w.close();
      }
      if (cache != null) {
        cache.close();
      }
      if (direct != null) {
        direct.close();
      }
      awaitReleased(before);
    }
  }

  /** Waits (bounded) until etcd has dropped the streams a cell opened, so the next cell's baseline is clean. */
  private void awaitReleased(double[] before) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (watchGauges()[0] > before[0] && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  /** {watch streams, watchers} etcd holds now. */
  private double[] watchGauges() {
    EtcdMetrics m = bench.etcd().member(0).metrics();
    return new double[] {m.value("etcd_debugging_mvcc_watch_stream_total"), m.value("etcd_debugging_mvcc_watcher_total")};
  }

  private static long expected(EventWriter writer, boolean broadcast, int watchers) {
    long acked = 0;
    for (int seq = 0; seq < writer.total(); seq++) {
      acked += writer.acknowledged(seq) ? 1 : 0;
    }
    return broadcast ? acked * watchers : acked;
  }

  private static BitSet sequences(int watcher, EventWriter writer, boolean broadcast, int watchers) {
    BitSet want = new BitSet(writer.total());
    int from = broadcast ? 0 : watcher;
    int step = broadcast ? 1 : watchers;
    for (int seq = from; seq < writer.total(); seq += step) {
      if (writer.acknowledged(seq)) {
        want.set(seq);
      }
    }
    return want;
  }

  private static ResultRow row(String variant, Cell c, Cell direct) {
    Map<String, String> m = new LinkedHashMap<>();
    Histogram ack = c.latency[0];
    Histogram send = c.latency[1];
    m.put("watchers", Integer.toString(c.watchers));
    m.put("events/s offered", Integer.toString(c.rate));
    m.put("deliveries/s", fmt("%,.0f", c.log.deliveriesInWindow() / c.seconds));
    m.put("p50 ms from ack", millis(ack.getValueAtPercentile(50)));
    m.put("p99 ms from ack", millis(ack.getValueAtPercentile(99)));
    m.put("p99.9 ms from ack", millis(ack.getValueAtPercentile(99.9)));
    m.put("before ack", fmt("%.1f%%", 100.0 * c.log.beforeAck() / Math.max(1, ack.getTotalCount())));
    m.put("p50 ms from send", millis(send.getValueAtPercentile(50)));
    m.put("p99 ms from send", millis(send.getValueAtPercentile(99)));
    m.put("expected deliveries", fmt("%,d", c.expected));
    m.put("undelivered after drain", Long.toString(c.missed));
    m.put("duplicates", Long.toString(c.log.duplicates()));
    m.put("write errors/dropped", c.writer.errors() + "/" + c.writer.dropped());
    m.put("etcd watch streams held", Long.toString(c.streamsHeld));
    m.put("etcd watchers held", Long.toString(c.watchersHeld));
    m.put("create all ms", Long.toString(c.createMillis));
    m.put("etcd CPU s", fmt("%.2f", c.cost.cpuSeconds()));
    m.put("p99 vs direct", direct == null ? (c.contender == Contender.DIRECT ? "1.0x" : "n/a")
        : fmt("%.3fx", c.p99Millis() / Math.max(1e-3, direct.p99Millis())));
    m.put("deliveries/s vs direct", direct == null ? (c.contender == Contender.DIRECT ? "1.0x" : "n/a")
        : fmt("%.2fx", (double) c.log.deliveriesInWindow() / Math.max(1, direct.log.deliveriesInWindow())));
    return new ResultRow(WATCH, variant, c.contender, m);
  }

  private static String millis(long nanos) {
    return fmt("%.2f", nanos / 1e6);
  }

  private static ByteSequence key(String prefix, int index) {
    return bytes(prefix + "k" + String.format("%05d", index));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.US_ASCII);
  }

  /** One contender's measurement of one shape. */
  private record Cell(Contender contender, int watchers, int rate, EventWriter writer, DeliveryLog log,
      Histogram[] latency, long expected, long missed, long streamsHeld, long watchersHeld, long createMillis,
      long upstreamWatches, EtcdCounters cost, double seconds) {

    double p99Millis() {
      return latency[0].getValueAtPercentile(99) / 1e6;
    }

    String summary() {
      return fmt("p50 %.2f p99 %.2f ms, %,.0f deliveries/s, %d missed, %d dup, %d streams", latency[0]
          .getValueAtPercentile(50) / 1e6, p99Millis(), log.deliveriesInWindow() / seconds, missed, log.duplicates(),
          streamsHeld);
    }
  }
}
