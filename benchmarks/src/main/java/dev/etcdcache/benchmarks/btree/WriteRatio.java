package dev.etcdcache.benchmarks.btree;

import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.btree.Batch;
import java.util.Arrays;
import java.util.Random;

/**
 * Interleaved timing of the three ways {@link BTreeWriteBenchmark} applies 1,000 edits to one
 * version: as one {@link Batch}, as 1,000 persistent puts/removes, and (the floor under both) as
 * 1,000 plain {@code get}s of the same keys. JMH runs one method after the other, so on a shared
 * machine a load spike lands on one method and skews the ratio; here every round draws fresh
 * edits and times all three back to back in rotating order, and the report gives per-method
 * minimum and median and the median of the per-round ratios.
 *
 * <p>Run: {@code java -Xmx4g -cp benchmarks/target/benchmarks.jar
 * dev.etcdcache.benchmarks.btree.WriteRatio [size] [rounds] [compact]}.
 */
public final class WriteRatio {

  private WriteRatio() {}

  public static void main(String[] args) {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    boolean compact = args.length > 2 && args[2].equals("compact");
    byte[][] keys = Keys.distinct(size, 1);
    if (compact) {
      // Re-allocate the keys in key order, so that a leaf's keys lie next to each other in the
      // heap: the best case an inline key-prefix layout could approach (few cache lines per
      // binary search). The tree is still built in random order.
      byte[][] order = keys.clone();
      Arrays.sort(order, Arrays::compareUnsigned);
      java.util.Map<byte[], byte[]> copy = new java.util.IdentityHashMap<>();
      for (byte[] k : order) {
        copy.put(k, k.clone());
      }
      for (int i = 0; i < keys.length; i++) {
        keys[i] = copy.get(keys[i]);
      }
    }
    Batch<Object> load = BPlusTree.empty().batch();
    for (byte[] k : keys) {
      load.put(k, Boolean.TRUE);
    }
    BPlusTree<Object> base = load.freeze();
    byte[][] sorted = keys.clone();
    Arrays.sort(sorted, Arrays::compareUnsigned);
    compactKeys = compact;
    Random rnd = new Random(5);
    for (boolean clustered : new boolean[] {false, true}) {
      run(base, sorted, clustered, rnd, rounds / 2, false);
      run(base, sorted, clustered, rnd, rounds, true);
    }
  }

  private static long sink;
  private static boolean compactKeys;

  private static void run(
      BPlusTree<Object> base,
      byte[][] sorted,
      boolean clustered,
      Random rnd,
      int rounds,
      boolean report) {
    long[][] t = new long[3][rounds];
    double[] ratio = new double[rounds];
    double[] floorRatio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      EditSet e = EditSet.create(sorted, 1000, clustered, rnd);
      for (int j = 0; j < 3; j++) {
        int which = (r + j) % 3;
        long t0 = System.nanoTime();
        switch (which) {
          case 0 -> sink += lookups(base, e);
          case 1 -> sink += batch(base, e).size();
          default -> sink += singles(base, e).size();
        }
        t[which][r] = System.nanoTime() - t0;
      }
      ratio[r] = (double) t[2][r] / t[1][r];
      floorRatio[r] = (double) t[2][r] / t[0][r];
    }
    if (!report) {
      return;
    }
    String[] names = {"1,000 gets (floor)", "batch of 1,000", "1,000 persistent edits"};
    System.out.printf("%s, %d keys, %d rounds, keys allocated %s:%n",
        clustered ? "CLUSTERED" : "RANDOM", base.size(), rounds,
        compactKeys ? "in key order" : "randomly");
    for (int i = 0; i < 3; i++) {
      long[] s = t[i].clone();
      Arrays.sort(s);
      System.out.printf("  %-24s min %,7d us  p25 %,7d us  median %,7d us%n", names[i],
          s[0] / 1000, s[rounds / 4] / 1000, s[rounds / 2] / 1000);
    }
    Arrays.sort(ratio);
    Arrays.sort(floorRatio);
    System.out.printf("  persistent / batch: median %.2fx (p25 %.2fx, p75 %.2fx)%n",
        ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]);
    System.out.printf("  persistent / gets (best any batch could do): median %.2fx%n",
        floorRatio[rounds / 2]);
  }

  private static int lookups(BPlusTree<Object> t, EditSet e) {
    int found = 0;
    for (byte[] k : e.keys) {
      if (t.get(k) != null) {
        found++;
      }
    }
    return found;
  }

  private static BPlusTree<Object> batch(BPlusTree<Object> base, EditSet e) {
    Batch<Object> b = base.batch();
    for (int i = 0; i < e.keys.length; i++) {
      if (e.values[i] == null) {
        b.remove(e.keys[i]);
      } else {
        b.put(e.keys[i], e.values[i]);
      }
    }
    return b.freeze();
  }

  private static BPlusTree<Object> singles(BPlusTree<Object> base, EditSet e) {
    BPlusTree<Object> t = base;
    for (int i = 0; i < e.keys.length; i++) {
      t = e.values[i] == null ? t.remove(e.keys[i]) : t.put(e.keys[i], e.values[i]);
    }
    return t;
  }
}
