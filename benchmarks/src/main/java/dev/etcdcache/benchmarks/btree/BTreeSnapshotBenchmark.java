package dev.etcdcache.benchmarks.btree;

import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.Batch;
import java.util.Arrays;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
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
 * Taking a point-in-time snapshot of a store of {@code size} etcd-like keys that a reader can
 * walk while writes go on: the B+tree version is its own snapshot (reading one field), a {@code
 * TreeMap} must be copied (O(n)), and {@code ConcurrentSkipListMap.clone()} rebuilds it (O(n)).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BTreeSnapshotBenchmark -f 1 -wi 2 -i
 * 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BTreeSnapshotBenchmark {

  @Param({"10000", "100000", "1000000"})
  int size;

  private volatile BPlusTree<Object> published;
  private TreeMap<byte[], Object> treeMap;
  private ConcurrentSkipListMap<byte[], Object> skipList;

  @Setup
  public void load() {
    Batch<Object> batch = BPlusTree.empty().batch();
    treeMap = new TreeMap<>(Arrays::compareUnsigned);
    skipList = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    for (byte[] k : Keys.distinct(size, 1)) {
      batch.put(k, Boolean.TRUE);
      treeMap.put(k, Boolean.TRUE);
      skipList.put(k, Boolean.TRUE);
    }
    published = batch.freeze();
  }

  @Benchmark
  public BPlusTree<Object> bplusTree() {
    return published;
  }

  @Benchmark
  public TreeMap<byte[], Object> treeMapCopy() {
    return new TreeMap<>(treeMap);
  }

  @Benchmark
  public ConcurrentSkipListMap<byte[], Object> skipListClone() {
    return skipList.clone();
  }
}
