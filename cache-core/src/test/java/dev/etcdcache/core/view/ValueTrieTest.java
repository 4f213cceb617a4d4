package dev.etcdcache.core.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ValueTrieTest {

  /** Strings built from "Aa" and "BB" share one hash code: 2^6 keys, one 32-bit hash. */
  private static List<String> collidingKeys() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      StringBuilder b = new StringBuilder();
      for (int bit = 0; bit < 6; bit++) {
        b.append((i >> bit & 1) == 0 ? "Aa" : "BB");
      }
      keys.add(b.toString());
    }
    assertThat(keys.stream().mapToInt(String::hashCode).distinct().count()).isEqualTo(1);
    return keys;
  }

  @Test
  void randomEdits_matchHashMap_andEarlierVersionsNeverChange() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    List<String> universe = new ArrayList<>(collidingKeys());
    for (int i = 0; i < 3_000; i++) {
      universe.add(Integer.toString(random.nextInt(1_000_000), 36));
    }
    ValueTrie<Integer> trie = ValueTrie.empty();
    Map<String, Integer> model = new HashMap<>();
    List<ValueTrie<Integer>> kept = new ArrayList<>();
    List<Map<String, Integer>> keptModels = new ArrayList<>();
    for (int round = 0; round < 300; round++) {
      ValueTrie.Editor<Integer> editor = trie.edit();
      int edits = 1 + random.nextInt(round % 10 == 0 ? 2_000 : 20);
      for (int e = 0; e < edits; e++) {
        String key = universe.get(random.nextInt(universe.size()));
        if (random.nextInt(3) == 0) {
          editor.remove(key);
          model.remove(key);
        } else {
          int value = random.nextInt(100);
          editor.put(key, value);
          model.put(key, value);
        }
        assertThat(editor.get(key)).as("seed %d", seed).isEqualTo(model.get(key));
      }
      trie = editor.freeze();
      if (round % 25 == 0) {
        kept.add(trie);
        keptModels.add(new HashMap<>(model));
      }
      assertSame(trie, model, seed);
    }
    for (int i = 0; i < kept.size(); i++) {
      assertSame(kept.get(i), keptModels.get(i), seed);
    }
  }

  @Test
  void collidingKeys_areKeptApartAndRemovedOneByOne() {
    List<String> keys = collidingKeys();
    ValueTrie.Editor<String> editor = ValueTrie.<String>empty().edit();
    keys.forEach(k -> editor.put(k, "v" + k));
    ValueTrie<String> full = editor.freeze();
    assertThat(full.size()).isEqualTo(64);
    keys.forEach(k -> assertThat(full.get(k)).isEqualTo("v" + k));
    ValueTrie<String> t = full;
    for (String k : keys) {
      ValueTrie.Editor<String> e = t.edit();
      e.remove(k);
      t = e.freeze();
      assertThat(t.get(k)).isNull();
    }
    assertThat(t.size()).isZero();
    assertThat(full.size()).isEqualTo(64);
  }

  @Test
  void removingAbsentKeysAndPuttingTheSameValue_changeNothing() {
    ValueTrie.Editor<Integer> e = ValueTrie.<Integer>empty().edit();
    e.put("a", 1);
    e.remove("b");
    ValueTrie<Integer> t = e.freeze();
    ValueTrie.Editor<Integer> again = t.edit();
    again.put("a", t.get("a"));
    again.remove("zz");
    assertThat(again.freeze().size()).isEqualTo(1);
  }

  @Test
  void frozenEditor_refusesEdits() {
    ValueTrie.Editor<Integer> e = ValueTrie.<Integer>empty().edit();
    e.freeze();
    assertThatThrownBy(() -> e.put("a", 1)).isInstanceOf(IllegalStateException.class);
  }

  private static void assertSame(ValueTrie<Integer> trie, Map<String, Integer> model, long seed) {
    assertThat(trie.size()).as("seed %d", seed).isEqualTo(model.size());
    Map<String, Integer> seen = new HashMap<>();
    trie.forEach(seen::put);
    assertThat(seen).as("seed %d", seed).isEqualTo(model);
    model.forEach((k, v) -> assertThat(trie.get(k)).isEqualTo(v));
  }
}
