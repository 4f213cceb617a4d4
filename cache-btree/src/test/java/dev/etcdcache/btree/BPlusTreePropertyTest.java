package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Random operation sequences applied to a {@link BPlusTree} and to a {@link TreeMap} in etcd's key
 * order; every answer must agree. Covers puts, removes, batches, ascending and descending walks
 * with limits and early stops, counts, ranks, select, and snapshots re-checked after later edits.
 *
 * <p>Each run is deterministic per seed; a failure names its seed, key space and step so it can
 * be replayed with {@link #replay}. One extra seed per run is random, to explore.
 */
class BPlusTreePropertyTest {

  /** Key-space sizes: tiny (root leaf only), two levels, three, and four levels deep. */
  private static final int[] KEY_SPACES = {40, 600, 5_000, 30_000};

  private static final long[] SEEDS = {1L, 42L, 0xE7CDL, 20_240_601L, 987_654_321L, 7L};

  private static final int OPS_PER_SEED = 180_000;

  @Test
  void randomOperations_severalSeeds_matchTreeMap() {
    long total = 0;
    for (int i = 0; i < SEEDS.length; i++) {
      total += run(SEEDS[i], KEY_SPACES[i % KEY_SPACES.length], OPS_PER_SEED);
    }
    long explore = System.nanoTime();
    total += run(explore, KEY_SPACES[(int) Math.floorMod(explore, (long) KEY_SPACES.length)], 60_000);
    assertThat(total).isGreaterThanOrEqualTo(1_000_000);
  }

  /** Replays one failing run; call from a scratch test with the seed from the failure. */
  static long replay(long seed, int keySpace, int ops) {
    return new BPlusTreePropertyTest().run(seed, keySpace, ops);
  }

  private long run(long seed, int keySpace, int ops) {
    Run r = new Run(seed, keySpace);
    try {
      while (r.ops < ops) {
        r.step();
      }
      r.checkAll();
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          "seed=" + seed + " keySpace=" + keySpace + " step=" + r.steps + ": " + e.getMessage(), e);
    }
    return r.ops;
  }

  private record Snapshot(BPlusTree<Integer> tree, TreeMap<byte[], Integer> model) {}

  /** One seeded run: the tree, its model, the snapshots kept, and the operation mix. */
  private static final class Run {
    private final Random rnd;
    private final KeyPool pool;
    private final TreeMap<byte[], Integer> model = TreeModel.newModel();
    private final List<Snapshot> snapshots = new ArrayList<>();
    private BPlusTree<Integer> tree = BPlusTree.empty();
    private long ops;
    private long steps;

    Run(long seed, int keySpace) {
      rnd = new Random(seed);
      pool = new KeyPool(rnd, keySpace);
    }

    void step() {
      steps++;
      int op = rnd.nextInt(1000);
      if (op < 380) {
        put();
      } else if (op < 600) {
        remove();
      } else if (op < 700) {
        get();
      } else if (op < 880) {
        walk();
      } else if (op < 960) {
        orderStatistics();
      } else if (op < 990) {
        batch();
      } else if (op < 994) {
        takeSnapshot();
      } else if (op < 997) {
        recheckSnapshot();
      } else {
        checkAll();
      }
    }

    private Integer value() {
      // Small values are cached Integer instances, so some puts store the very same value.
      return rnd.nextInt(4) == 0 ? Integer.valueOf(rnd.nextInt(8)) : Integer.valueOf(rnd.nextInt(100_000));
    }

    private void put() {
      ops++;
      byte[] k = pool.pick(rnd);
      Integer v = value();
      Integer prev = model.put(k, v);
      BPlusTree<Integer> next = tree.put(k, v);
      assertThat(next.get(k)).isSameAs(v);
      assertThat(tree.get(k)).as("old version after put").isSameAs(prev);
      if (prev == v) {
        assertThat(next).as("put of the same value instance").isSameAs(tree);
      }
      tree = next;
      assertThat(tree.size()).isEqualTo(model.size());
    }

    private void remove() {
      ops++;
      byte[] k = pool.pick(rnd);
      Integer prev = model.remove(k);
      BPlusTree<Integer> next = tree.remove(k);
      if (prev == null) {
        assertThat(next).as("remove of an absent key").isSameAs(tree);
      }
      assertThat(tree.get(k)).as("old version after remove").isSameAs(prev);
      assertThat(next.get(k)).isNull();
      tree = next;
      assertThat(tree.size()).isEqualTo(model.size());
    }

    private void get() {
      ops++;
      byte[] k = rnd.nextInt(8) == 0 ? KeyPool.randomKey(rnd) : pool.pick(rnd);
      assertThat(tree.get(k)).isEqualTo(model.get(k));
      assertThat(tree.containsKey(k)).isEqualTo(model.containsKey(k));
    }

    private void walk() {
      ops++;
      byte[] from = pool.bound(rnd);
      byte[] to = rnd.nextInt(3) == 0 ? null : pool.bound(rnd);
      boolean descending = rnd.nextBoolean();
      int[] limits = {1, 2, 3, 10, 33, 64, 100, -1};
      int limit = rnd.nextInt(10) == 0 ? 0 : limits[rnd.nextInt(limits.length)];
      int stopAfter = rnd.nextInt(4) == 0 ? rnd.nextInt(20) + 1 : Integer.MAX_VALUE;
      List<Map.Entry<byte[], Integer>> expected =
          TreeModel.expectedWalk(model, from, to, descending, limit, stopAfter);
      List<Map.Entry<byte[], Integer>> seen = new ArrayList<>();
      int visited =
          tree.forEach(
              from,
              to,
              descending,
              limit,
              (k, v) -> {
                seen.add(Map.entry(k, v));
                return seen.size() < stopAfter;
              });
      assertThat(visited).as("visited").isEqualTo(expected.size());
      assertThat(seen).hasSameSizeAs(expected);
      for (int i = 0; i < seen.size(); i++) {
        assertThat(seen.get(i).getKey()).as("walk key #%d", i).isEqualTo(expected.get(i).getKey());
        assertThat(seen.get(i).getValue()).isEqualTo(expected.get(i).getValue());
      }
    }

    /**
     * Ranks, counts and select checked against a sorted array of the model's keys; the array is
     * built once and then queried many times, so the oracle stays O(log n) per query.
     */
    private void orderStatistics() {
      byte[][] sorted = model.keySet().toArray(new byte[0][]);
      for (int q = 0; q < 20; q++) {
        ops++;
        byte[] k = pool.bound(rnd);
        if (k != null) {
          assertThat(tree.rank(k)).as("rank").isEqualTo(lowerBound(sorted, k));
        }
        byte[] from = pool.bound(rnd);
        byte[] to = pool.bound(rnd);
        int lo = from == null ? 0 : lowerBound(sorted, from);
        int hi = to == null ? sorted.length : lowerBound(sorted, to);
        assertThat(tree.count(from, to)).as("count").isEqualTo(Math.max(0, hi - lo));
        if (sorted.length > 0) {
          int index = rnd.nextInt(sorted.length);
          assertThat(tree.keyAt(index)).as("keyAt").isEqualTo(sorted[index]);
          assertThat(tree.valueAt(index)).as("valueAt").isEqualTo(model.get(sorted[index]));
        }
      }
    }

    /** A batch of edits; the version it started from must not change. */
    private void batch() {
      BPlusTree<Integer> before = tree;
      int sizeBefore = model.size();
      List<byte[]> touched = new ArrayList<>();
      List<Integer> undo = new ArrayList<>();
      Batch<Integer> b = tree.batch();
      int edits = 1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 400);
      for (int i = 0; i < edits; i++) {
        ops++;
        byte[] k = pool.pick(rnd);
        int kind = rnd.nextInt(10);
        if (kind < 6) {
          Integer v = value();
          Integer prev = model.put(k, v);
          touched.add(k);
          undo.add(prev);
          assertThat(b.put(k, v)).as("batch put previous").isEqualTo(prev);
        } else if (kind < 9) {
          Integer prev = model.remove(k);
          touched.add(k);
          undo.add(prev);
          assertThat(b.remove(k)).as("batch remove previous").isEqualTo(prev);
        } else {
          assertThat(b.get(k)).as("batch get").isEqualTo(model.get(k));
        }
        assertThat(b.size()).as("batch size").isEqualTo(model.size());
      }
      tree = b.freeze();
      assertThat(tree.size()).isEqualTo(model.size());
      assertThat(before.size()).as("starting version size").isEqualTo(sizeBefore);
      // The first recorded previous value of each key is what the starting version must hold.
      TreeMap<byte[], Integer> original = TreeModel.newModel();
      for (int i = touched.size() - 1; i >= 0; i--) {
        original.put(touched.get(i), undo.get(i) == null ? -1 : undo.get(i));
      }
      for (Map.Entry<byte[], Integer> e : original.entrySet()) {
        Integer want = e.getValue() == -1 ? null : e.getValue();
        assertThat(before.get(e.getKey())).as("starting version after batch").isEqualTo(want);
      }
      if (rnd.nextInt(20) == 0) {
        TreeInvariants.check(tree);
        TreeInvariants.check(before);
      }
    }

    private void takeSnapshot() {
      snapshots.add(new Snapshot(tree, new TreeMap<>(model)));
      if (snapshots.size() > 3) {
        snapshots.remove(0);
      }
    }

    private void recheckSnapshot() {
      if (snapshots.isEmpty()) {
        return;
      }
      Snapshot s = snapshots.get(rnd.nextInt(snapshots.size()));
      TreeModel.assertSameContent(s.tree(), s.model());
      TreeInvariants.check(s.tree());
    }

    void checkAll() {
      TreeModel.assertSameContent(tree, model);
      TreeInvariants.check(tree);
      for (Snapshot s : snapshots) {
        TreeModel.assertSameContent(s.tree(), s.model());
      }
    }
  }

  private static int lowerBound(byte[][] sorted, byte[] key) {
    int i = Arrays.binarySearch(sorted, key, Arrays::compareUnsigned);
    return i >= 0 ? i : -(i + 1);
  }
}
