package dev.etcdcache.core.view;

import static dev.etcdcache.core.view.TestObjects.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.IndexDefinition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ViewIndexTest {

  private static final IndexDefinition<String> SELF = IndexDefinition.single("self", s -> s);

  /** Each value's keys in the order the index hands them out. */
  static Map<String, List<String>> contents(ViewIndex<?> index) {
    Map<String, List<String>> out = new TreeMap<>();
    index.toMap().forEach((value, posting) -> {
      List<String> keys = new ArrayList<>();
      posting.forEach((k, o) -> keys.add(new String(k, StandardCharsets.UTF_8)));
      out.put(value, keys);
    });
    return out;
  }

  @Test
  void postings_growFromOneKeyToATreeAndShrinkBack() {
    ViewIndex.Editor<String> e = ViewIndex.empty(SELF).edit();
    e.put("v", bytes("k2"), "o2");
    ViewIndex<String> one = e.freeze();
    assertThat(one.posting("v").isSingle()).isTrue();

    ViewIndex.Editor<String> e2 = one.edit();
    e2.put("v", bytes("k1"), "o1");
    e2.put("v", bytes("k3"), "o3");
    ViewIndex<String> three = e2.freeze();
    assertThat(contents(three)).isEqualTo(Map.of("v", List.of("k1", "k2", "k3")));
    assertThat(three.count("v")).isEqualTo(3);

    ViewIndex.Editor<String> e3 = three.edit();
    e3.remove("v", bytes("k1"));
    e3.remove("v", bytes("k3"));
    ViewIndex<String> back = e3.freeze();
    assertThat(back.posting("v").isSingle()).isTrue();
    assertThat(contents(back)).isEqualTo(Map.of("v", List.of("k2")));

    ViewIndex.Editor<String> e4 = back.edit();
    e4.remove("v", bytes("other"));
    e4.remove("v", bytes("k2"));
    ViewIndex<String> none = e4.freeze();
    assertThat(none.posting("v")).isNull();
    assertThat(none.values()).isZero();
    assertThat(contents(three)).isEqualTo(Map.of("v", List.of("k1", "k2", "k3")));
  }

  @Test
  void randomEdits_matchASortedModel_andKeepObjectsCurrent() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    ViewIndex<String> index = ViewIndex.empty(SELF);
    Map<String, TreeMap<String, String>> model = new HashMap<>();
    for (int round = 0; round < 200; round++) {
      ViewIndex.Editor<String> e = index.edit();
      int edits = 1 + random.nextInt(round % 20 == 0 ? 3_000 : 10);
      for (int i = 0; i < edits; i++) {
        String value = "v" + random.nextInt(round % 2 == 0 ? 5 : 500);
        String key = "k" + random.nextInt(2_000);
        if (random.nextInt(3) == 0) {
          e.remove(value, bytes(key));
          TreeMap<String, String> keys = model.get(value);
          if (keys != null && keys.remove(key) != null && keys.isEmpty()) {
            model.remove(value);
          }
        } else {
          String object = key + "@" + round + "." + i;
          e.put(value, bytes(key), object);
          model.computeIfAbsent(value, v -> new TreeMap<>()).put(key, object);
        }
      }
      index = e.freeze();
      assertThat(index.values()).as("seed %d", seed).isEqualTo(model.size());
      for (Map.Entry<String, TreeMap<String, String>> m : model.entrySet()) {
        Posting<String> p = index.posting(m.getKey());
        List<String> objects = new ArrayList<>();
        p.forEach((k, o) -> objects.add(o));
        assertThat(objects).as("seed %d value %s", seed, m.getKey()).containsExactlyElementsOf(m.getValue().values());
        assertThat(p.isSingle()).isEqualTo(m.getValue().size() == 1);
        assertThat(new TreeSet<>(m.getValue().keySet())).allMatch(k -> p.containsKey(bytes(k)));
      }
    }
  }
}
