package dev.etcdcache.benchmarks.btree;

import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.Batch;
import java.util.Arrays;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
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

/**
 * Applying one batch of 1,000 edits (a third each updates, inserts, removes; see {@link EditSet})
 * to a store of {@code size} etcd-like keys, single-threaded, time per whole batch.
 *
 * <ul>
 *   <li>{@code bplusTreeBatch}: {@link BPlusTree#batch()}, 1,000 edits, {@code freeze()}: a new
 *       version, the old one intact.
 *   <li>{@code bplusTreeSinglePuts}: the same 1,000 edits as 1,000 persistent {@code put}/{@code
 *       remove} calls, each publishing a version.
 *   <li>{@code treeMapPuts}, {@code skipListPuts}: the edits applied in place to a mutable map
 *       (no versions at all). Invocations alternate between the edits and their undo, so the map
 *       keeps its size and every invocation does the same mix of work.
 * </ul>
 *
 * <p>{@code pattern}: {@code RANDOM} keys over the whole key space, or {@code CLUSTERED}: 1,000
 * adjacent keys. Edits are drawn anew for each iteration.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BTreeWriteBenchmark -f 1 -wi 2 -i 3
 * -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BTreeWriteBenchmark {

  private static final int EDITS = 1000;

  @Param({"10000", "100000", "1000000"})
  int size;

  @Param({"RANDOM", "CLUSTERED"})
  String pattern;

  private byte[][] sorted;
  private BPlusTree<Object> base;
  private TreeMap<byte[], Object> treeMap;
  private ConcurrentSkipListMap<byte[], Object> skipList;
  private EditSet edits;
  private final Random rnd = new Random(5);
  private boolean treeMapUndoNext;
  private boolean skipListUndoNext;

  @Setup(Level.Trial)
  public void load() {
    byte[][] keys = Keys.distinct(size, 1);
    Batch<Object> batch = BPlusTree.empty().batch();
    treeMap = new TreeMap<>(Arrays::compareUnsigned);
    skipList = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    for (byte[] k : keys) {
      batch.put(k, Boolean.TRUE);
      treeMap.put(k, Boolean.TRUE);
      skipList.put(k, Boolean.TRUE);
    }
    base = batch.freeze();
    sorted = keys.clone();
    Arrays.sort(sorted, Arrays::compareUnsigned);
  }

  @Setup(Level.Iteration)
  public void drawEdits() {
    // Leave the mutable maps as loaded before drawing edits against the loaded key set.
    if (treeMapUndoNext) {
      treeMapPuts();
    }
    if (skipListUndoNext) {
      skipListPuts();
    }
    edits = EditSet.create(sorted, EDITS, pattern.equals("CLUSTERED"), rnd);
  }

  @Benchmark
  public BPlusTree<Object> bplusTreeBatch() {
    Batch<Object> b = base.batch();
    byte[][] keys = edits.keys;
    Object[] values = edits.values;
    for (int i = 0; i < keys.length; i++) {
      if (values[i] == null) {
        b.remove(keys[i]);
      } else {
        b.put(keys[i], values[i]);
      }
    }
    return b.freeze();
  }

  @Benchmark
  public BPlusTree<Object> bplusTreeSinglePuts() {
    BPlusTree<Object> t = base;
    byte[][] keys = edits.keys;
    Object[] values = edits.values;
    for (int i = 0; i < keys.length; i++) {
      t = values[i] == null ? t.remove(keys[i]) : t.put(keys[i], values[i]);
    }
    return t;
  }

  /**
   * Not an edit: 1,000 {@code get}s of the batch's keys on the base version. Any batch whose
   * {@code put}/{@code remove} return the previous value must at least find each key, so this is
   * the floor under {@code bplusTreeBatch} (and under {@code bplusTreeSinglePuts}).
   */
  @Benchmark
  public int bplusTreeLookupsOnly() {
    BPlusTree<Object> t = base;
    byte[][] keys = edits.keys;
    int found = 0;
    for (int i = 0; i < keys.length; i++) {
      if (t.get(keys[i]) != null) {
        found++;
      }
    }
    return found;
  }

  @Benchmark
  public Object treeMapPuts() {
    boolean undo = treeMapUndoNext;
    treeMapUndoNext = !undo;
    return applyInPlace(treeMap, undo);
  }

  @Benchmark
  public Object skipListPuts() {
    boolean undo = skipListUndoNext;
    skipListUndoNext = !undo;
    return applyInPlace(skipList, undo);
  }

  private Object applyInPlace(NavigableMap<byte[], Object> map, boolean undo) {
    Object[] values = undo ? edits.undoValues : edits.values;
    byte[][] keys = edits.keys;
    for (int i = 0; i < keys.length; i++) {
      if (values[i] == null) {
        map.remove(keys[i]);
      } else {
        map.put(keys[i], values[i]);
      }
    }
    return map;
  }
}
