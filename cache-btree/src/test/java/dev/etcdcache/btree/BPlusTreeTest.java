package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Targeted behaviour of {@link BPlusTree}; the random differential test is {@link BPlusTreePropertyTest}. */
class BPlusTreeTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  private static List<byte[]> keys(BPlusTree<?> tree, boolean descending) {
    List<byte[]> out = new ArrayList<>();
    tree.forEach(null, null, descending, 0, (k, v) -> out.add(k));
    return out;
  }

  @Test
  void empty_hasNoEntries() {
    BPlusTree<String> t = BPlusTree.empty();
    assertThat(t.size()).isZero();
    assertThat(t.isEmpty()).isTrue();
    assertThat(t.get(new byte[0])).isNull();
    assertThat(t.count(null, null)).isZero();
    assertThat(t.rank(b("x"))).isZero();
    assertThat(t.forEach(null, null, true, 0, (k, v) -> true)).isZero();
  }

  @Test
  void put_edgeKeys_orderedUnsignedLikeEtcd() {
    List<byte[]> expected =
        List.of(
            bytes(),
            bytes(0x00),
            bytes(0x00, 0x00),
            bytes(0x01),
            b("a"),
            b("ab"),
            b("abc"),
            b("b"),
            bytes(0x7F),
            bytes(0x80),
            bytes(0xFE),
            bytes(0xFF),
            bytes(0xFF, 0x00),
            bytes(0xFF, 0xFF));
    List<byte[]> shuffled = new ArrayList<>(expected);
    Collections.shuffle(shuffled, new Random(3));
    BPlusTree<String> t = BPlusTree.empty();
    for (byte[] k : shuffled) {
      t = t.put(k, "v");
    }
    assertThat(keys(t, false)).containsExactlyElementsOf(expected);
    List<byte[]> reversed = new ArrayList<>(expected);
    Collections.reverse(reversed);
    assertThat(keys(t, true)).containsExactlyElementsOf(reversed);
    assertThat(t.rank(bytes())).isZero();
    assertThat(t.keyAt(0)).isEqualTo(bytes());
    assertThat(t.keyAt(t.size() - 1)).isEqualTo(bytes(0xFF, 0xFF));
  }

  @Test
  void put_sameValueInstance_returnsSameVersion() {
    String v = "value";
    BPlusTree<String> t = BPlusTree.<String>empty().put(b("k"), v);
    assertThat(t.put(b("k"), v)).isSameAs(t);
    assertThat(t.put(b("k"), new String(v))).isNotSameAs(t);
  }

  @Test
  void remove_absentKey_returnsSameVersion() {
    BPlusTree<String> t = BPlusTree.<String>empty().put(b("k"), "v");
    assertThat(t.remove(b("other"))).isSameAs(t);
  }

  @Test
  void put_nullKeyOrValue_throwsNullPointerException() {
    BPlusTree<String> t = BPlusTree.empty();
    assertThatThrownBy(() -> t.put(null, "v")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> t.put(b("k"), null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> t.get(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void keyAt_outOfRange_throwsIndexOutOfBounds() {
    BPlusTree<String> t = BPlusTree.<String>empty().put(b("a"), "1");
    assertThatThrownBy(() -> t.keyAt(1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> t.keyAt(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> t.valueAt(1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void count_openEndedBounds_matchesTreeMap() {
    Random rnd = new Random(11);
    TreeMap<byte[], Integer> model = TreeModel.newModel();
    BPlusTree<Integer> t = BPlusTree.empty();
    for (int i = 0; i < 50_000; i++) {
      byte[] k = KeyPool.randomKey(rnd);
      model.put(k, i);
      t = t.put(k, i);
    }
    for (int i = 0; i < 500; i++) {
      byte[] k = KeyPool.randomKey(rnd);
      assertThat(t.count(k, null)).isEqualTo(model.tailMap(k, true).size());
      assertThat(t.count(null, k)).isEqualTo(model.headMap(k, false).size());
    }
    assertThat(t.count(null, null)).isEqualTo(model.size());
    assertThat(t.count(b("z"), b("a"))).as("inverted range").isZero();
  }

  @Test
  void rank_ofEveryKey_isInverseOfKeyAt() {
    Random rnd = new Random(5);
    BPlusTree<Integer> t = BPlusTree.empty();
    for (int i = 0; i < 20_000; i++) {
      t = t.put(KeyPool.randomKey(rnd), i);
    }
    for (int i = 0; i < t.size(); i++) {
      assertThat(t.rank(t.keyAt(i))).isEqualTo(i);
    }
  }

  @Test
  void forEach_descendingWithLimit_visitsLargestFirst() {
    BPlusTree<Integer> t = BPlusTree.empty();
    for (int i = 0; i < 1000; i++) {
      t = t.put(b(String.format("k%04d", i)), i);
    }
    List<Integer> seen = new ArrayList<>();
    int visited = t.forEach(b("k0100"), b("k0200"), true, 5, (k, v) -> seen.add(v));
    assertThat(visited).isEqualTo(5);
    assertThat(seen).containsExactly(199, 198, 197, 196, 195);
  }

  @Test
  void forEach_visitorReturnsFalse_stopsAfterThatEntry() {
    BPlusTree<Integer> t = BPlusTree.empty();
    for (int i = 0; i < 300; i++) {
      t = t.put(b(String.format("k%04d", i)), i);
    }
    List<Integer> seen = new ArrayList<>();
    int visited = t.forEach(null, null, false, 0, (k, v) -> seen.add(v) && v < 130);
    assertThat(visited).isEqualTo(131);
    assertThat(seen).hasSize(131).endsWith(130);
  }

  @Test
  void remove_everyKeyInRandomOrder_keepsStructureValidAndEndsEmpty() {
    Random rnd = new Random(9);
    List<byte[]> ks = new ArrayList<>();
    BPlusTree<Integer> t = BPlusTree.empty();
    for (int i = 0; i < 150_000; i++) {
      byte[] k = b(Integer.toHexString(rnd.nextInt()) + "/" + i);
      ks.add(k);
      t = t.put(k, i);
    }
    TreeInvariants.check(t);
    assertThat(TreeInvariants.depth(t)).isGreaterThanOrEqualTo(4);
    Collections.shuffle(ks, rnd);
    for (int i = 0; i < ks.size(); i++) {
      t = t.remove(ks.get(i));
      if (i % 10_000 == 0) {
        TreeInvariants.check(t);
        assertThat(t.size()).isEqualTo(ks.size() - i - 1);
      }
    }
    assertThat(t.isEmpty()).isTrue();
    TreeInvariants.check(t);
  }

  @Test
  void put_ascendingKeys_fillsLeavesCompletely() {
    BPlusTree<Integer> t = BPlusTree.empty();
    int n = 64 * 64 * 4;
    for (int i = 0; i < n; i++) {
      t = t.put(b(String.format("/registry/pods/ns/%08d", i)), i);
    }
    TreeInvariants.check(t);
    // Full leaves: about n / LEAF_MAX leaves plus a few inner nodes, not twice that.
    assertThat(TreeInvariants.nodeCount(t)).isLessThan(n / Node.LEAF_MAX * 11 / 10);
  }

  @Test
  void snapshot_afterLaterEdits_isUnchanged() {
    BPlusTree<Integer> t = BPlusTree.empty();
    for (int i = 0; i < 5_000; i++) {
      t = t.put(b("k" + i), i);
    }
    BPlusTree<Integer> snapshot = t;
    TreeMap<byte[], Integer> frozen = TreeModel.newModel();
    snapshot.forEach(null, null, false, 0, (k, v) -> frozen.put(k, v) == null);
    Batch<Integer> batch = t.batch();
    for (int i = 0; i < 5_000; i += 2) {
      batch.remove(b("k" + i));
      batch.put(b("n" + i), -i);
    }
    t = batch.freeze();
    for (int i = 0; i < 5_000; i += 3) {
      t = t.put(b("k" + i), 7).remove(b("k" + (i + 1)));
    }
    TreeModel.assertSameContent(snapshot, frozen);
    TreeInvariants.check(snapshot);
  }
}
