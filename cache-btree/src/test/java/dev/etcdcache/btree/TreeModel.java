package dev.etcdcache.btree;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The reference a tree is checked against: a {@link TreeMap} in etcd's key order, and whole-map
 * and range comparisons between the two.
 */
final class TreeModel {

  private TreeModel() {}

  static TreeMap<byte[], Integer> newModel() {
    return new TreeMap<>(Arrays::compareUnsigned);
  }

  /** Asserts that {@code tree} holds exactly the entries of {@code model}, in order. */
  static void assertSameContent(BPlusTree<Integer> tree, NavigableMap<byte[], Integer> model) {
    assertThat(tree.size()).as("size").isEqualTo(model.size());
    List<Map.Entry<byte[], Integer>> seen = new ArrayList<>(model.size());
    int visited =
        tree.forEach(null, null, false, 0, (k, v) -> seen.add(Map.entry(k, v)));
    assertThat(visited).as("visited").isEqualTo(model.size());
    int i = 0;
    for (Map.Entry<byte[], Integer> e : model.entrySet()) {
      Map.Entry<byte[], Integer> got = seen.get(i++);
      assertThat(got.getKey()).as("key #%d", i - 1).isEqualTo(e.getKey());
      assertThat(got.getValue()).as("value #%d", i - 1).isEqualTo(e.getValue());
    }
  }

  /** The entries of {@code model} a forEach with these arguments must visit, in visit order. */
  static List<Map.Entry<byte[], Integer>> expectedWalk(
      NavigableMap<byte[], Integer> model,
      byte[] from,
      byte[] to,
      boolean descending,
      int limit,
      int stopAfter) {
    NavigableMap<byte[], Integer> range = model;
    if (from != null && to != null) {
      range =
          Arrays.compareUnsigned(from, to) >= 0
              ? model.subMap(from, true, from, false)
              : model.subMap(from, true, to, false);
    } else if (from != null) {
      range = model.tailMap(from, true);
    } else if (to != null) {
      range = model.headMap(to, false);
    }
    if (descending) {
      range = range.descendingMap();
    }
    int max = limit <= 0 ? Integer.MAX_VALUE : limit;
    max = Math.min(max, stopAfter);
    List<Map.Entry<byte[], Integer>> out = new ArrayList<>();
    for (Map.Entry<byte[], Integer> e : range.entrySet()) {
      if (out.size() >= max) {
        break;
      }
      out.add(e);
    }
    return out;
  }
}
