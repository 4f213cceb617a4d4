package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Batch}: lifecycle, isolation from other versions, and copying each touched node once. */
class BatchTest {

  private static byte[] key(int i) {
    return String.format("/registry/pods/ns-%03d/pod-%07d", i % 997, i).getBytes(StandardCharsets.UTF_8);
  }

  private static BPlusTree<Integer> treeOf(int n) {
    Batch<Integer> b = BPlusTree.<Integer>empty().batch();
    Random rnd = new Random(1);
    for (int i = 0; i < n; i++) {
      int k = rnd.nextInt(n * 4);
      b.put(key(k), k);
    }
    return b.freeze();
  }

  @Test
  void freeze_thenAnyUse_throwsIllegalState() {
    Batch<Integer> b = BPlusTree.<Integer>empty().batch();
    b.put(key(1), 1);
    b.freeze();
    assertThatThrownBy(() -> b.put(key(2), 2)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.remove(key(1))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.get(key(1))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(b::size).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(b::freeze).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void freeze_withoutChanges_returnsStartingVersion() {
    BPlusTree<Integer> t = treeOf(1000);
    Batch<Integer> b = t.batch();
    b.remove("absent".getBytes(StandardCharsets.UTF_8));
    assertThat(b.freeze()).isSameAs(t);
  }

  @Test
  void putAndRemove_returnPreviousValues() {
    Batch<Integer> b = BPlusTree.<Integer>empty().batch();
    assertThat(b.put(key(1), 1)).isNull();
    assertThat(b.put(key(1), 2)).isEqualTo(1);
    assertThat(b.get(key(1))).isEqualTo(2);
    assertThat(b.remove(key(1))).isEqualTo(2);
    assertThat(b.remove(key(1))).isNull();
    assertThat(b.size()).isZero();
  }

  @Test
  void edits_afterFreezeInNewBatch_leaveFrozenVersionUnchanged() {
    Batch<Integer> first = BPlusTree.<Integer>empty().batch();
    for (int i = 0; i < 10_000; i++) {
      first.put(key(i), i);
    }
    BPlusTree<Integer> frozen = first.freeze();
    Batch<Integer> second = frozen.batch();
    for (int i = 0; i < 10_000; i += 2) {
      second.remove(key(i));
      second.put(key(i + 1), -1);
    }
    BPlusTree<Integer> next = second.freeze();
    assertThat(frozen.size()).isEqualTo(10_000);
    for (int i = 0; i < 10_000; i++) {
      assertThat(frozen.get(key(i))).isEqualTo(i);
    }
    assertThat(next.size()).isEqualTo(5_000);
    TreeInvariants.check(frozen);
    TreeInvariants.check(next);
  }

  /**
   * 1,000 random edits on a 200k-key tree: the batch's new nodes are at most the distinct nodes
   * on the edited keys' paths (plus splits), far fewer than the 1,000 paths that 1,000 persistent
   * puts allocate.
   */
  @Test
  void thousandRandomEdits_copyEachTouchedNodeOnce() {
    BPlusTree<Integer> base = treeOf(200_000);
    int depth = TreeInvariants.depth(base);
    Random rnd = new Random(2);
    byte[][] edits = new byte[1000][];
    for (int i = 0; i < edits.length; i++) {
      // Every third edit removes a present key, so that every edit changes the tree.
      edits[i] = i % 3 == 2 ? base.keyAt(rnd.nextInt(base.size())) : key(rnd.nextInt(800_000));
    }

    Set<Node> touched = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (byte[] e : edits) {
      Node node = base.root;
      touched.add(node);
      while (node instanceof Inner in) {
        node = in.children[in.childIndex(e)];
        touched.add(node);
      }
    }

    Batch<Integer> b = base.batch();
    for (int i = 0; i < edits.length; i++) {
      if (i % 3 == 2) {
        b.remove(edits[i]);
      } else {
        b.put(edits[i], i);
      }
    }
    int batchNodes = TreeInvariants.newNodes(base, b.freeze());

    int persistentNodes = 0;
    BPlusTree<Integer> t = base;
    for (int i = 0; i < edits.length; i++) {
      BPlusTree<Integer> next = i % 3 == 2 ? t.remove(edits[i]) : t.put(edits[i], i);
      persistentNodes += TreeInvariants.newNodes(t, next);
      t = next;
    }

    assertThat(persistentNodes).isGreaterThanOrEqualTo(edits.length * depth * 9 / 10);
    System.out.printf(
        "1,000 random edits, depth %d: batch copied %d nodes, persistent puts %d%n",
        depth, batchNodes, persistentNodes);
    // Splits and merges may add a few nodes beyond the touched ones.
    assertThat(batchNodes).isLessThanOrEqualTo(touched.size() + 40);
    assertThat(batchNodes).isLessThan(persistentNodes / 2);
  }

  /** 1,000 edits under one prefix (a namespace's pods): a handful of leaves, not 1,000 paths. */
  @Test
  void thousandClusteredEdits_copyFewNodes() {
    BPlusTree<Integer> base = BPlusTree.empty();
    Batch<Integer> load = base.batch();
    for (int i = 0; i < 200_000; i++) {
      load.put(String.format("/registry/pods/ns/pod-%07d", i).getBytes(StandardCharsets.UTF_8), i);
    }
    base = load.freeze();
    Batch<Integer> b = base.batch();
    Set<Integer> seen = new HashSet<>();
    for (int i = 100_000; i < 101_000; i++) {
      seen.add(i);
      b.put(String.format("/registry/pods/ns/pod-%07d", i).getBytes(StandardCharsets.UTF_8), -i);
    }
    int batchNodes = TreeInvariants.newNodes(base, b.freeze());
    int depth = TreeInvariants.depth(base);
    assertThat(batchNodes).isLessThan(1000 / Node.LEAF_MAX + 2 * depth + 4);
  }

  /**
   * Runs of adjacent keys (the finger's fast path: same leaf, in place) mixed with jumps, inserts
   * that fill leaves to splitting and removes that drain them to merging, against a TreeMap.
   */
  @Test
  void clusteredRunsWithSplitsAndMerges_matchTreeMap_andKeepStartingVersion() {
    Random rnd = new Random(7);
    for (int round = 0; round < 30; round++) {
      int n = 1 + rnd.nextInt(round < 10 ? 100 : 20_000);
      BPlusTree<Integer> base = treeOf(n);
      java.util.TreeMap<byte[], Integer> model = TreeModel.newModel();
      base.forEach(null, null, false, 0, (k, v) -> {
        model.put(k, v);
        return true;
      });
      java.util.TreeMap<byte[], Integer> before = new java.util.TreeMap<>(model);
      Batch<Integer> b = base.batch();
      int space = n * 4 + 997;
      int cursor = rnd.nextInt(space);
      int edits = rnd.nextInt(3000);
      int removeBias = rnd.nextInt(10);
      for (int i = 0; i < edits; i++) {
        if (rnd.nextInt(50) == 0) {
          cursor = rnd.nextInt(space);
        }
        // key(i) and key(i + 997) are neighbours in key order (same namespace, next pod).
        cursor = Math.floorMod(cursor + 997 * (rnd.nextInt(5) - 1), space);
        byte[] k = key(cursor);
        if (rnd.nextInt(10) < removeBias) {
          assertThat(b.remove(k)).as("remove previous").isEqualTo(model.remove(k));
        } else {
          Integer v = rnd.nextInt(1000);
          assertThat(b.put(k, v)).as("put previous").isEqualTo(model.put(k, v));
        }
        if (rnd.nextInt(16) == 0) {
          byte[] probe = key(rnd.nextInt(space));
          assertThat(b.get(probe)).as("get").isEqualTo(model.get(probe));
        }
        assertThat(b.size()).as("size").isEqualTo(model.size());
      }
      BPlusTree<Integer> after = b.freeze();
      TreeInvariants.check(after);
      TreeInvariants.check(base);
      TreeModel.assertSameContent(after, model);
      TreeModel.assertSameContent(base, before);
    }
  }
}
