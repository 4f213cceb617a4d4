package dev.etcdcache.benchmarks.view;

import dev.etcdcache.core.CacheConfig;
import dev.etcdcache.benchmarks.view.BenchObjects.Obj;
import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.store.StoredValue;
import dev.etcdcache.core.view.MirrorView;
import io.etcd.jetcd.api.Event;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The apply-thread cost of one event on a view of {@code size} objects: one revision updating one
 * existing object (decode, filter, objects tree and every index tree in one batch each, publish),
 * with {@code indexes} indexes whose values all change (c0..c9, 100 values each). The difference
 * between 10 and 0 indexes is the cost of maintaining ten indexes per event.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ViewMaintenanceBenchmark -f 1 -wi 2 -i 3
 * -w 1s -r 1s} (after {@code mvn -B -pl benchmarks -am package -DskipTests}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ViewMaintenanceBenchmark {

  private static final int EVENTS = 1 << 12;
  private static final StoreVersion UNUSED = new StoreVersion(0, BPlusTree.empty(), 0);

  @Param({"0", "10"})
  int indexes;

  @Param({"100000"})
  int size;

  private MirrorView<Obj> view;
  private List<Event>[] events;
  private long revision;
  private int next;

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    view = MirrorView.detached(BenchObjects.store(size), "/objects/",
        BenchObjects.adapter(BenchObjects.extraIndexes(indexes)), Runnable::run,
        CacheConfig.defaults().historyEvents(), CacheConfig.defaults().watcherQueueLimit());
    revision = 1;
    Random random = new Random(2);
    events = new List[EVENTS];
    for (int i = 0; i < EVENTS; i++) {
      int id = random.nextInt(size);
      byte[] packed = StoredValue.pack(BenchObjects.value(id, 1 + i), 2, 2, 2, 0);
      events[i] = List.of(Event.newBuilder().setType(Event.EventType.PUT)
          .setKv(StoredValue.toKeyValue(BenchObjects.key(id), packed)).build());
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    view.close();
  }

  @Benchmark
  public long applyOneEvent() {
    long r = ++revision;
    view.onRevision(UNUSED, new StoreVersion(r, UNUSED.tree(), 0), events[next++ & (EVENTS - 1)]);
    return r;
  }
}
