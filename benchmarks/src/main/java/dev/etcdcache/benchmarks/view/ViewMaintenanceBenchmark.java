package dev.etcdcache.benchmarks.view;

import dev.etcdcache.benchmarks.view.BenchObjects.Obj;
import dev.etcdcache.core.inprocess.DetachedView;
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

  @Param({"0", "10"})
  int indexes;

  @Param({"100000"})
  int size;

  private DetachedView<Obj> view;
  private DetachedView.Write[] events;
  private long revision;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    view = BenchObjects.view(size, BenchObjects.adapter(BenchObjects.extraIndexes(indexes)));
    revision = 1;
    Random random = new Random(2);
    events = new DetachedView.Write[EVENTS];
    for (int i = 0; i < EVENTS; i++) {
      int id = random.nextInt(size);
      events[i] = view.prepare(BenchObjects.key(id), BenchObjects.value(id, 1 + i));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    view.close();
  }

  @Benchmark
  public long applyOneEvent() {
    long r = ++revision;
    view.apply(r, events[next++ & (EVENTS - 1)]);
    return r;
  }
}
