package dev.etcdcache.benchmarks.view;

import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.Query;
import dev.etcdcache.benchmarks.view.BenchObjects.Obj;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.core.inprocess.DetachedView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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
 * Index lookups on a typed view of {@code size} objects (see {@link BenchObjects}), single-threaded,
 * against a fabric8-style mutable indexer ({@code HashMap} of index value to key set, plus a
 * {@code HashMap} of objects: no snapshots, no key order) as the baseline.
 *
 * <ul>
 *   <li>{@code lookup1}: {@code list(eq(id, v))}, one object.
 *   <li>{@code lookup100}: {@code list(eq(group, v))}, 100 objects.
 *   <li>{@code and2}: {@code list(eq(group, v).and(eq(a, "0")))}: 50 objects; the view walks the
 *       100-key side and tests each key against the 500,000-key side.
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ViewQueryBenchmark -f 1 -wi 2 -i 3 -w 1s
 * -r 1s} (after {@code mvn -B -pl benchmarks -am package -DskipTests}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ViewQueryBenchmark {

  private static final int PROBES = 1 << 14;

  @Param({"VIEW", "HASH_INDEXER"})
  String implementation;

  @Param({"1000000"})
  int size;

  private CacheSnapshot<Obj> snapshot;
  private HashIndexer indexer;
  private String[] ids;
  private String[] groups;
  private int next;

  @Setup
  public void setUp() {
    Random random = new Random(1);
    ids = new String[PROBES];
    groups = new String[PROBES];
    for (int i = 0; i < PROBES; i++) {
      ids[i] = Integer.toString(random.nextInt(size));
      groups[i] = Integer.toString(random.nextInt(size / 100));
    }
    var adapter = BenchObjects.adapter(List.of(BenchObjects.ID, BenchObjects.GROUP, BenchObjects.A));
    DetachedView<Obj> detached = BenchObjects.view(size, adapter);
    CacheView<Obj> view = detached.view();
    if (implementation.equals("VIEW")) {
      snapshot = view.latest();
    } else {
      indexer = new HashIndexer(view.latest().list());
    }
    detached.close();
  }

  @Benchmark
  public List<Obj> lookup1() {
    String id = ids[next++ & (PROBES - 1)];
    return snapshot != null ? snapshot.list(Query.eq(BenchObjects.ID, id)) : indexer.eq(indexer.byId, id);
  }

  @Benchmark
  public List<Obj> lookup100() {
    String group = groups[next++ & (PROBES - 1)];
    return snapshot != null ? snapshot.list(Query.eq(BenchObjects.GROUP, group)) : indexer.eq(indexer.byGroup, group);
  }

  @Benchmark
  public List<Obj> and2() {
    String group = groups[next++ & (PROBES - 1)];
    return snapshot != null
        ? snapshot.list(Query.eq(BenchObjects.GROUP, group).and(Query.eq(BenchObjects.A, "0")))
        : indexer.and(indexer.byGroup, group, indexer.byA, "0");
  }

  /** The baseline: a mutable indexer as fabric8's, value -> key set. */
  static final class HashIndexer {
    final Map<String, Obj> objects = new HashMap<>();
    final Map<String, Set<String>> byId = new HashMap<>();
    final Map<String, Set<String>> byGroup = new HashMap<>();
    final Map<String, Set<String>> byA = new HashMap<>();

    HashIndexer(List<Obj> all) {
      for (Obj o : all) {
        String key = "/objects/" + o.id();
        objects.put(key, o);
        byId.computeIfAbsent(o.id(), k -> new HashSet<>()).add(key);
        byGroup.computeIfAbsent(o.group(), k -> new HashSet<>()).add(key);
        byA.computeIfAbsent(o.a(), k -> new HashSet<>()).add(key);
      }
    }

    List<Obj> eq(Map<String, Set<String>> index, String value) {
      Set<String> keys = index.getOrDefault(value, Set.of());
      List<Obj> out = new ArrayList<>(keys.size());
      for (String k : keys) {
        out.add(objects.get(k));
      }
      return out;
    }

    List<Obj> and(Map<String, Set<String>> i1, String v1, Map<String, Set<String>> i2, String v2) {
      Set<String> s1 = i1.getOrDefault(v1, Set.of());
      Set<String> s2 = i2.getOrDefault(v2, Set.of());
      Set<String> small = s1.size() <= s2.size() ? s1 : s2;
      Set<String> large = small == s1 ? s2 : s1;
      List<Obj> out = new ArrayList<>();
      for (String k : small) {
        if (large.contains(k)) {
          out.add(objects.get(k));
        }
      }
      return out;
    }
  }
}
