package dev.etcdcache.benchmarks.btree;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Reads from the persistent B+tree against {@code TreeMap} and {@code ConcurrentSkipListMap},
 * each holding {@code size} etcd-like keys of 23 bytes (inserted in random order), looked up with
 * fresh copies of random present keys, single-threaded.
 *
 * <ul>
 *   <li>{@code get}: one point read.
 *   <li>{@code range100}: walk 100 entries ascending from a random key (a paginated Range).
 *   <li>{@code countRange}: count the keys of a range holding {@code min(100,000, size / 2)} keys
 *       (etcd's {@code count}/{@code CountOnly}): B+tree {@code count()} from subtree sizes, the
 *       JDK maps {@code subMap(...).size()}, which walks the range.
 *   <li>{@code iterateRange}: walk that same range entry by entry; for the B+tree, the ratio
 *       {@code iterateRange / countRange} is what {@code count()} saves.
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BTreeReadBenchmark -f 1 -wi 2 -i 3
 * -w 1s -r 1s} (after {@code mvn -B -pl benchmarks -am package -DskipTests}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BTreeReadBenchmark {

  private static final int PROBES = 1 << 16;
  private static final int RANGES = 1 << 10;

  @Param({"BPLUS_TREE", "TREE_MAP", "SKIP_LIST"})
  StoreType implementation;

  @Param({"10000", "100000", "1000000"})
  int size;

  private SortedStore store;
  private byte[][] probes;
  private byte[][] rangeFrom;
  private byte[][] rangeTo;
  private int next;

  @Setup
  public void setUp() {
    byte[][] keys = Keys.distinct(size, 1);
    store = implementation.load(keys, Boolean.TRUE);
    probes = Keys.probes(keys, PROBES, 2);
    byte[][] sorted = keys.clone();
    Arrays.sort(sorted, Arrays::compareUnsigned);
    int width = Math.min(100_000, size / 2);
    Random rnd = new Random(3);
    rangeFrom = new byte[RANGES][];
    rangeTo = new byte[RANGES][];
    for (int i = 0; i < RANGES; i++) {
      int start = rnd.nextInt(size - width);
      rangeFrom[i] = sorted[start].clone();
      rangeTo[i] = sorted[start + width].clone();
    }
  }

  @Benchmark
  public Object get() {
    return store.get(probes[next++ & (PROBES - 1)]);
  }

  @Benchmark
  public long range100() {
    return store.range(probes[next++ & (PROBES - 1)], null, 100);
  }

  @Benchmark
  public int countRange() {
    int i = next++ & (RANGES - 1);
    return store.count(rangeFrom[i], rangeTo[i]);
  }

  @Benchmark
  public long iterateRange() {
    int i = next++ & (RANGES - 1);
    return store.range(rangeFrom[i], rangeTo[i], 0);
  }
}
