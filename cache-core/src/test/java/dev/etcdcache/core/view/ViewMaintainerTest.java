package dev.etcdcache.core.view;

import static dev.etcdcache.core.view.TestObjects.LABEL;
import static dev.etcdcache.core.view.TestObjects.NAMESPACE;
import static dev.etcdcache.core.view.TestObjects.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.core.store.StoreVersion;
import dev.etcdcache.core.view.TestObjects.Obj;
import dev.etcdcache.core.view.TestObjects.ObjAdapter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ViewMaintainerTest {

  private final ObjAdapter adapter = new ObjAdapter();
  private final DecodeFailures failures = new DecodeFailures("t/");
  private final ViewMaintainer<Obj> maintainer = new ViewMaintainer<>(bytes("t/"), adapter, failures);

  @Test
  void apply_randomWrites_everyIndexQueryEqualsBruteForce_andOldVersionsKeepTheirAnswers() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    TreeMap<String, String> model = new TreeMap<>();
    ViewVersion<Obj> version = maintainer.build(TestObjects.store(1), List.of(NAMESPACE, LABEL)).version();
    List<ViewVersion<Obj>> versions = new ArrayList<>();
    List<Map<String, String>> models = new ArrayList<>();
    for (long rev = 2; rev < 400; rev++) {
      List<ViewMaintainer.Write> writes = new ArrayList<>();
      List<String> touched = new ArrayList<>();
      for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
        String key = "t/" + random.nextInt(60);
        if (touched.contains(key)) {
          continue;
        }
        touched.add(key);
        if (random.nextInt(5) == 0) {
          model.remove(key);
          writes.add(new ViewMaintainer.Write(bytes(key), null, 1));
        } else {
          String raw = randomValue(random);
          model.put(key, raw);
          writes.add(new ViewMaintainer.Write(bytes(key), bytes(raw), 1));
        }
      }
      version = maintainer.apply(version, rev, writes).version();
      versions.add(version);
      models.add(new TreeMap<>(model));
      assertMatches(version, model, "seed " + seed + " rev " + rev);
    }
    for (int i = 0; i < versions.size(); i += 37) {
      assertMatches(versions.get(i), models.get(i), "old version, seed " + seed);
    }
  }

  @Test
  void apply_garbageValue_keyLeftOutAndCounted_thenVisibleAgainWhenItDecodes() {
    ViewVersion<Obj> v = maintainer.build(TestObjects.store(1, "t/a", "ns1|x|a"), List.of(NAMESPACE, LABEL)).version();
    ViewMaintainer.Result<Obj> bad = maintainer.apply(v, 2, List.of(new ViewMaintainer.Write(bytes("t/a"), bytes("garbage"), 1)));
    assertThat(bad.version().get("t/a")).isEmpty();
    assertThat(bad.version().count(Query.eq(NAMESPACE, "ns1"))).isZero();
    assertThat(bad.changes()).singleElement().satisfies(c -> assertThat(c.current()).isNull());
    assertThat(failures.count()).isEqualTo(1);
    assertThat(failures.last()).contains("t/a").contains("revision 2");
    ViewVersion<Obj> good = maintainer.apply(bad.version(), 3,
        List.of(new ViewMaintainer.Write(bytes("t/a"), bytes("ns2|y|a"), 1))).version();
    assertThat(good.keys(Query.eq(NAMESPACE, "ns2"))).containsExactly("t/a");
    assertThat(v.keys(Query.eq(NAMESPACE, "ns1"))).containsExactly("t/a");
  }

  @Test
  void apply_indexFunctionThrows_keyLeftOutAndCounted() {
    IndexDefinition<Obj> throwing = IndexDefinition.single("boom", o -> {
      if (o.name().equals("bad")) {
        throw new IllegalStateException("boom");
      }
      return o.name();
    });
    ViewVersion<Obj> v = maintainer.build(TestObjects.store(1, "t/a", "ns|x|bad", "t/b", "ns|x|ok"),
        List.of(NAMESPACE, throwing)).version();
    assertThat(v.keys(Query.all())).containsExactly("t/b");
    assertThat(failures.count()).isEqualTo(1);
  }

  @Test
  void apply_filterRejects_keyLeavesViewAndItsIndexes() {
    ViewVersion<Obj> v = maintainer.build(TestObjects.store(1, "t/a", "ns|x|a"), List.of(NAMESPACE, LABEL)).version();
    ViewMaintainer.Result<Obj> r = maintainer.apply(v, 2, List.of(new ViewMaintainer.Write(bytes("t/a"), bytes("ns|x|hidden"), 1)));
    assertThat(r.version().size()).isZero();
    assertThat(r.version().count(Query.eq(LABEL, "x"))).isZero();
    assertThat(failures.count()).isZero();
  }

  @Test
  void diff_relist_decodesOnlyKeysWhoseModRevisionChanged() {
    StoreVersion before = TestObjects.store(5, "t/a", "ns|x|a", "t/b", "ns|x|b", "t/c", "ns|x|c");
    ViewVersion<Obj> v = maintainer.build(before, List.of(NAMESPACE, LABEL)).version();
    StoreVersion after = new StoreVersion(9, before.tree()
        .remove(bytes("t/c"))
        .put(bytes("t/b"), dev.etcdcache.core.store.StoredValue.pack(bytes("ns2|y|b"), 5, 8, 2, 0)), 0);
    int decodes = adapter.decodes.get();
    ViewMaintainer.Result<Obj> r = maintainer.apply(v, 9, maintainer.diff(v, before, after));
    assertThat(adapter.decodes.get() - decodes).isEqualTo(1);
    assertThat(r.version().keys(Query.all())).containsExactly("t/a", "t/b");
    assertThat(r.version().keys(Query.eq(NAMESPACE, "ns2"))).containsExactly("t/b");
    assertThat(r.changes()).hasSize(2);
  }

  @Test
  void buildIndex_thenCatchUp_equalsIndexMaintainedFromTheStart() {
    ViewVersion<Obj> v = maintainer.build(TestObjects.store(1, "t/a", "ns|x,y|a", "t/b", "ns|y|b"), List.of(NAMESPACE))
        .version();
    var built = maintainer.buildIndex(LABEL, v);
    ViewMaintainer.Result<Obj> r = maintainer.apply(v, 2, List.of(
        new ViewMaintainer.Write(bytes("t/a"), bytes("ns|z|a"), 1), new ViewMaintainer.Write(bytes("t/b"), null, 1)));
    built = maintainer.catchUp(built, new RevisionChanges<>(2, r.changes()));
    ViewVersion<Obj> reference = maintainer.build(TestObjects.store(2, "t/a", "ns|z|a"), List.of(LABEL)).version();
    assertThat(ViewIndexTest.contents(built)).isEqualTo(ViewIndexTest.contents(reference.index(LABEL)))
        .isEqualTo(Map.of("z", List.of("t/a")));
  }

  /** Every Eq of both indexes, and AND / OR of them, against brute force over the raw model. */
  static void assertMatches(ViewVersion<Obj> v, Map<String, String> model, String context) {
    List<String> all = new ArrayList<>();
    model.forEach((k, raw) -> {
      if (TestObjects.expected(raw) != null) {
        all.add(k);
      }
    });
    all.sort((a, b) -> Arrays.compareUnsigned(bytes(a), bytes(b)));
    assertThat(v.keys(Query.all())).as(context).isEqualTo(all);
    assertThat(v.size()).as(context).isEqualTo(all.size());
    for (String ns : NAMESPACES) {
      for (String label : LABELS) {
        Query<Obj> eqNs = Query.eq(NAMESPACE, ns);
        Query<Obj> eqLabel = Query.eq(LABEL, label);
        assertThat(v.keys(eqNs)).as(context).isEqualTo(filter(all, model, o -> o.namespace().equals(ns)));
        assertThat(v.keys(eqLabel)).as(context).isEqualTo(filter(all, model, o -> o.labels().contains(label)));
        assertThat(v.keys(eqNs.and(eqLabel))).as(context)
            .isEqualTo(filter(all, model, o -> o.namespace().equals(ns) && o.labels().contains(label)));
        assertThat(v.keys(eqNs.or(eqLabel).and(Query.keyPrefix("t/1")))).as(context)
            .isEqualTo(filter(all, model, o -> o.namespace().equals(ns) || o.labels().contains(label), "t/1"));
        assertThat(v.count(eqNs.or(eqLabel))).as(context)
            .isEqualTo(filter(all, model, o -> o.namespace().equals(ns) || o.labels().contains(label)).size());
      }
    }
  }

  private static final String[] NAMESPACES = {"ns1", "ns2", "ns3"};
  private static final String[] LABELS = {"a", "b", "c", "d"};

  private static List<String> filter(List<String> keys, Map<String, String> model,
      java.util.function.Predicate<Obj> p) {
    return filter(keys, model, p, "");
  }

  private static List<String> filter(List<String> keys, Map<String, String> model,
      java.util.function.Predicate<Obj> p, String keyPrefix) {
    return keys.stream().filter(k -> k.startsWith(keyPrefix) && p.test(TestObjects.expected(model.get(k)))).toList();
  }

  private static String randomValue(Random random) {
    if (random.nextInt(15) == 0) {
      return "garbage";
    }
    StringBuilder labels = new StringBuilder();
    for (String l : LABELS) {
      if (random.nextBoolean()) {
        labels.append(labels.length() == 0 ? "" : ",").append(l);
      }
    }
    String name = random.nextInt(12) == 0 ? "hidden" : "n" + random.nextInt(5);
    return NAMESPACES[random.nextInt(NAMESPACES.length)] + "|" + labels + "|" + name;
  }
}
