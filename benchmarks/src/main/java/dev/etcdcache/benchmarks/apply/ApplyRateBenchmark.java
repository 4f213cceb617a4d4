package dev.etcdcache.benchmarks.apply;

import dev.etcdcache.api.CacheView;
import dev.etcdcache.benchmarks.view.BenchObjects;
import dev.etcdcache.benchmarks.view.BenchObjects.Obj;
import dev.etcdcache.core.CachingClient;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * How many events a second the cache applies when etcd hands it revisions of {@value #EVENTS}
 * writes each, into a store of {@code keys} keys (issue 17: goal ≥ 1M events/s for the store
 * alone), and what each consumer adds: one operation is one event, an invocation one revision,
 * timed from the upstream watch's callback (as jetcd makes it) until the revision is applied and
 * every consumer has it:
 *
 * <ul>
 *   <li>{@code STORE}: the mirror alone (its store, its version window, the shared history);</li>
 *   <li>{@code WATCHERS}: plus 1,000 watchers, each on its own thousandth of the keyspace (every
 *       event goes to one of them), until every watcher's listener has received its events;</li>
 *   <li>{@code VIEW}: plus a typed view with ten indexes whose values every write changes
 *       (decode, filter, objects and index trees), until the view is at the revision;</li>
 *   <li>{@code ALL}: both.</li>
 * </ul>
 *
 * <p>The upstream is {@link InProcessUpstream}: etcd's Range and watch responses built in the
 * benchmark's JVM, so neither the network nor etcd's write rate bounds what is measured. The
 * revision's writes are chosen before the timer; building its protobuf events and jetcd's
 * {@code WatchResponse} (what jetcd's parser would do on its event loop) is inside it, as that
 * work is on the path of every revision the cache gets.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ApplyRateBenchmark -f 1 -wi 3 -i 5
 * -jvmArgs "-Xms4g -Xmx4g"} (after {@code mvn -B -pl benchmarks -am package -DskipTests}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ApplyRateBenchmark {

  static final int EVENTS = 1_000;
  private static final int WATCHERS = 1_000;
  private static final long CHECK_NANOS = 20_000;

  /** Which consumers the cache feeds besides its store. */
  public enum Consumers { STORE, WATCHERS, VIEW, ALL }

  @Param({"STORE", "WATCHERS", "VIEW", "ALL"})
  Consumers consumers;

  @Param({"1000000"})
  int keys;

  private InProcessUpstream upstream;
  private CachingClient cache;
  private CacheView<Obj> view;
  private final List<Watch.Watcher> watchers = new ArrayList<>();
  private final AtomicLong delivered = new AtomicLong();
  private long expectedDeliveries;
  private final Random random = new Random(17);
  private int salt;
  private List<Map.Entry<byte[], byte[]>> next;
  private final ByteSequence probeKey = ByteSequence.from(BenchObjects.key(0));
  private static final io.etcd.jetcd.options.GetOption SERIALIZABLE =
      io.etcd.jetcd.options.GetOption.builder().withSerializable(true).build();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    upstream = new InProcessUpstream();
    for (int i = 0; i < keys; i++) {
      upstream.load(BenchObjects.key(i), BenchObjects.value(i, 0));
    }
    cache = CachingClient.builder(upstream).prefixes(ByteSequence.from("/objects/", StandardCharsets.UTF_8)).build();
    if (!cache.awaitReady(Duration.ofMinutes(5))) {
      throw new IllegalStateException("not ready: " + cache.status());
    }
    if (consumers == Consumers.WATCHERS || consumers == Consumers.ALL) {
      openWatchers();
    }
    if (consumers == Consumers.VIEW || consumers == Consumers.ALL) {
      view = cache.view("/objects/", BenchObjects.adapter(BenchObjects.extraIndexes(10)));
      view.snapshot().get(5, TimeUnit.MINUTES);
    }
  }

  /** Watcher j watches the j-th thousandth of the keys in key order. */
  private void openWatchers() {
    List<byte[]> sorted = new ArrayList<>(keys);
    for (int i = 0; i < keys; i++) {
      sorted.add(BenchObjects.key(i));
    }
    sorted.sort(java.util.Arrays::compareUnsigned);
    Watch watch = cache.getWatchClient();
    int step = keys / WATCHERS;
    for (int j = 0; j < WATCHERS; j++) {
      ByteSequence from = ByteSequence.from(sorted.get(j * step));
      WatchOption.Builder option = WatchOption.builder().withRevision(0);
      option.withRange(j == WATCHERS - 1 ? ByteSequence.from(new byte[] {0}) : ByteSequence.from(sorted.get((j + 1) * step)));
      watchers.add(watch.watch(from, option.build(), Watch.listener(r -> delivered.addAndGet(r.getEvents().size()))));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    watchers.forEach(Watch.Watcher::close);
    if (view != null) {
      view.close();
    }
    cache.close();
    upstream.close();
  }

  @Setup(Level.Invocation)
  public void nextRevision() {
    salt++;
    next = new ArrayList<>(EVENTS);
    // Distinct keys: etcd refuses a transaction that writes one key twice.
    java.util.Set<Integer> ids = new java.util.HashSet<>();
    while (ids.size() < EVENTS) {
      ids.add(random.nextInt(keys));
    }
    for (int id : ids) {
      next.add(Map.entry(BenchObjects.key(id), BenchObjects.value(id, salt)));
    }
  }

  private long appliedRevision() {
    return cache.getKVClient().get(probeKey, SERIALIZABLE).join().getHeader().getRevision();
  }

  /** One revision of {@value #EVENTS} writes, pushed and waited for: {@value #EVENTS} operations. */
  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public long applyRevision() {
    long started = System.nanoTime();
    long revision = upstream.commit(next);
    long handedOver = System.nanoTime();
    // Checked every 20 µs, not spun on: on two cores a spinning thread takes a core from the work;
    // by a one-key serializable read (its header carries the revision the store is at), because
    // status() also estimates memory, which costs more than the interval.
    while (appliedRevision() < revision) {
      LockSupport.parkNanos(CHECK_NANOS);
    }
    if (!watchers.isEmpty()) {
      expectedDeliveries += EVENTS; // each event is in exactly one watcher's range
      while (delivered.get() < expectedDeliveries) {
        LockSupport.parkNanos(CHECK_NANOS);
      }
    }
    if (view != null) {
      while (view.latest().revision() < revision) {
        LockSupport.parkNanos(CHECK_NANOS);
      }
    }
    long done = System.nanoTime();
    upstreamNanos += handedOver - started;
    totalNanos += done - started;
    return revision;
  }

  private long upstreamNanos;
  private long totalNanos;

  /**
   * Prints how much of the measured time was the upstream's own part (building the revision's
   * protobuf events and jetcd's {@code WatchResponse}, up to the cache's watch callback returning),
   * which a real jetcd spends on its event loop too.
   */
  @TearDown(Level.Iteration)
  public void reportSplit() {
    if (totalNanos > 0) {
      System.out.printf("%n  [split] upstream commit + jetcd response: %.1f %% of the time per revision%n",
          100.0 * upstreamNanos / totalNanos);
    }
    upstreamNanos = 0;
    totalNanos = 0;
  }
}
