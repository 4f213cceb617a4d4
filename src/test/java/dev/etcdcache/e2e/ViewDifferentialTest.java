package dev.etcdcache.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.etcdcache.adapter.json.JsonAdapter;
import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheSnapshot;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.api.IndexDefinition;
import dev.etcdcache.api.Query;
import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd is the oracle for typed views: a seeded random workload of JSON puts, garbage values,
 * deletes and multi-key txns runs directly against etcd; after every step each index query the view
 * answers (Eq per value, AND, OR, key prefix, counts) must equal the same query computed by brute
 * force over a direct etcd read at the snapshot's revision, decoded by the same adapter. Earlier
 * snapshots must keep answering as of their revision, and typed watches must deliver exactly the
 * brute-force difference between consecutive revisions, entering and leaving queries included.
 * Set {@code -Detcdcache.seed=N} to replay a seed.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ViewDifferentialTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final String PREFIX = "view/";
  private static final String[] NAMESPACES = {"ns1", "ns2", "ns3"};
  private static final String[] LABELS = {"a", "b", "c", "d"};
  private static final int STEPS = 120;

  private final JsonAdapter<JsonNode> adapter = JsonAdapter.tree()
      .index("ns", "/ns")
      .index("label", "/labels")
      .filter((key, node) -> !node.path("hidden").asBoolean(false))
      .build();
  private final IndexDefinition<JsonNode> ns = adapter.index("ns");
  private final IndexDefinition<JsonNode> label = adapter.index("label");
  /** Added with addIndex in the middle of the workload. */
  private final IndexDefinition<JsonNode> owner =
      IndexDefinition.of("owner", n -> JsonAdapter.valuesAt(n, JsonPointer.compile("/owner")));

  private KV direct;
  private CachingClient cache;

  @BeforeEach
  void start() throws Exception {
    direct = ETCD.client().getKVClient();
    direct.delete(bytes(PREFIX), DeleteOption.builder().isPrefix(true).build()).get();
    direct.put(bytes("other/x"), bytes("{broken")).get();   // outside the view: never decoded
    cache = CachingClient.builder(ETCD.client()).build();
    assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
  }

  @AfterEach
  void stop() {
    cache.close();
  }

  @Test
  void randomJsonWorkload_everyQueryEqualsBruteForce_snapshotsAndWatchesToo() throws Exception {
    long seed = Long.getLong("etcdcache.seed", System.nanoTime());
    Random random = new Random(seed);
    CacheView<JsonNode> view = cache.view(PREFIX, adapter);
    long startRevision = view.snapshot().get().revision();
    Map<String, Query<JsonNode>> watched = new LinkedHashMap<>();
    watched.put("all", Query.all());
    watched.put("label=a", Query.eq(label, "a"));
    watched.put("ns1 and label=b", Query.eq(ns, "ns1").and(Query.eq(label, "b")));
    watched.put("ns2 or prefix view/1", Query.eq(ns, "ns2").or(Query.keyPrefix(PREFIX + "1")));
    Map<String, List<CacheEvent<JsonNode>>> received = new LinkedHashMap<>();
    for (var w : watched.entrySet()) {
      List<CacheEvent<JsonNode>> events = new CopyOnWriteArrayList<>();
      received.put(w.getKey(), events);
      view.watch(startRevision + 1, w.getValue(), events::add);
    }
    List<CacheSnapshot<JsonNode>> kept = new ArrayList<>();
    boolean ownerAdded = false;
    for (int step = 0; step < STEPS; step++) {
      String op = write(random);
      if (step == STEPS / 2) {
        view.addIndex(owner).get(30, TimeUnit.SECONDS);
        ownerAdded = true;
      }
      CacheSnapshot<JsonNode> snap = view.snapshot().get(30, TimeUnit.SECONDS);
      assertSameAsEtcd(snap, ownerAdded, "seed " + seed + ", step " + step + " (" + op + ")");
      if (step % 10 == 0) {
        kept.add(snap);
      }
    }
    for (CacheSnapshot<JsonNode> old : kept) {
      assertSameAsEtcd(old, false, "kept snapshot at " + old.revision() + ", seed " + seed);
    }
    assertThat(view.decodeFailures()).as("the workload wrote garbage").isPositive();
    assertThat(cache.status().decodeFailures()).isEqualTo(view.decodeFailures());
    long endRevision = view.snapshot().get().revision();
    Map<Long, Map<String, JsonNode>> states = new TreeMap<>();
    Map<Long, Map<String, Long>> modRevisions = new TreeMap<>();
    for (long r = startRevision; r <= endRevision; r++) {
      readAt(r, states, modRevisions);
    }
    for (var w : watched.entrySet()) {
      List<String> expected = expectedEvents(w.getValue(), startRevision + 1, states, modRevisions);
      assertThat(expected).as("the workload moves every watched query").isNotEmpty();
      List<CacheEvent<JsonNode>> actual = received.get(w.getKey());
      awaitSize(actual, expected.size());
      assertThat(describe(actual)).as("watch " + w.getKey() + ", seed " + seed).isEqualTo(expected);
    }
    long from = startRevision + 7;
    List<CacheEvent<JsonNode>> replayed = new CopyOnWriteArrayList<>();
    try (AutoCloseable w = view.watch(from, Query.eq(label, "a"), replayed::add)) {
      List<String> expected = expectedEvents(Query.eq(label, "a"), from, states, modRevisions);
      awaitSize(replayed, expected.size());
      assertThat(describe(replayed)).as("replayed from " + from + ", seed " + seed).isEqualTo(expected);
    }
  }

  @Test
  void garbageValue_doesNotStopTheView_isCountedInStatus_andAValidValueBringsTheKeyBack() throws Exception {
    CacheView<JsonNode> view = cache.view(PREFIX, adapter);
    direct.put(bytes(PREFIX + "g"), bytes("{\"ns\":\"ns1\"}")).get();
    assertThat(view.snapshot().get().keys(Query.eq(ns, "ns1"))).containsExactly(PREFIX + "g");
    direct.put(bytes(PREFIX + "g"), bytes("{not json")).get();
    direct.put(bytes(PREFIX + "h"), bytes("{\"ns\":\"ns1\"}")).get();
    CacheSnapshot<JsonNode> snap = view.snapshot().get();
    assertThat(snap.keys(Query.all())).containsExactly(PREFIX + "h");
    assertThat(view.decodeFailures()).isEqualTo(1);
    assertThat(cache.status().decodeFailures()).isEqualTo(1);
    direct.put(bytes(PREFIX + "g"), bytes("{\"ns\":\"ns2\"}")).get();
    assertThat(view.snapshot().get().keys(Query.eq(ns, "ns2"))).containsExactly(PREFIX + "g");
    assertThat(cache.status().ready()).isTrue();
    assertThat(cache.getKVClient().get(bytes(PREFIX + "g")).get().getKvs()).hasSize(1);
  }

  @Test
  void viewReads_linearizableByDefault_seeAWriteJustMadeWithPlainJetcd_everyConsistencyAnswers() throws Exception {
    CacheView<JsonNode> view = cache.view(PREFIX, adapter);
    view.snapshot().get(30, TimeUnit.SECONDS);
    for (int i = 0; i < 20; i++) {
      String key = PREFIX + "r/" + i;
      direct.put(bytes(key), bytes("{\"ns\":\"ns" + (i % 2) + "\"}")).get();
      // Linearizable: the write completed before the read started, so the read must see it.
      assertThat(view.get(key).get(30, TimeUnit.SECONDS)).as("get " + key).isPresent();
      assertThat(view.count(Query.eq(ns, "ns" + (i % 2))).get(30, TimeUnit.SECONDS)).isEqualTo(i / 2 + 1);
      assertThat(view.list(PREFIX + "r/").get(30, TimeUnit.SECONDS)).hasSize(i + 1);
    }
    assertThat(view.list().get(30, TimeUnit.SECONDS)).hasSize(20);
    assertThat(view.list(Query.eq(ns, "ns1"), ReadConsistency.SERIALIZABLE).get()).hasSize(10);
    assertThat(view.count(Query.eq(ns, "ns0"), ReadConsistency.maxStaleness(Duration.ofSeconds(5))).get())
        .isEqualTo(10);
    assertThat(view.get(PREFIX + "r/3", ReadConsistency.SERIALIZABLE).get()).isPresent();
    assertThat(view.get(PREFIX + "absent", ReadConsistency.LINEARIZABLE).get()).isEmpty();
  }

  // ---- the workload ----

  private String write(Random random) throws Exception {
    int kind = random.nextInt(10);
    if (kind < 5) {
      direct.put(randomKey(random), bytes(randomValue(random))).get();
      return "put";
    }
    if (kind < 7) {
      direct.delete(randomKey(random)).get();
      return "delete";
    }
    if (kind < 8) {
      direct.delete(bytes(PREFIX + random.nextInt(3)), DeleteOption.builder().isPrefix(true).build()).get();
      return "delete prefix";
    }
    List<Op> ops = new ArrayList<>();
    List<ByteSequence> used = new ArrayList<>();
    for (int i = 0, n = 2 + random.nextInt(4); i < n; i++) {
      ByteSequence key = randomKey(random);
      if (!used.contains(key)) {
        used.add(key);
        ops.add(random.nextInt(4) == 0 ? Op.delete(key, DeleteOption.DEFAULT)
            : Op.put(key, bytes(randomValue(random)), PutOption.DEFAULT));
      }
    }
    direct.txn().Then(ops.toArray(new Op[0])).commit().get();
    return "txn";
  }

  private static ByteSequence randomKey(Random random) {
    return bytes(PREFIX + random.nextInt(3) + "/" + random.nextInt(12));
  }

  private static String randomValue(Random random) {
    switch (random.nextInt(14)) {
      case 0:
        return "{garbage";
      case 1:
        return "";
      case 2:
        return "{\"ns\":\"ns1\",\"hidden\":true,\"labels\":[\"a\"]}";
      default:
        break;
    }
    StringBuilder labels = new StringBuilder();
    for (String l : LABELS) {
      if (random.nextBoolean()) {
        labels.append(labels.length() == 0 ? "" : ",").append('"').append(l).append('"');
      }
    }
    String ownerField = random.nextBoolean() ? ",\"owner\":\"o" + random.nextInt(3) + "\"" : "";
    return "{\"ns\":\"" + NAMESPACES[random.nextInt(NAMESPACES.length)] + "\",\"labels\":[" + labels + "]"
        + ownerField + ",\"n\":" + random.nextInt(1000) + "}";
  }

  // ---- brute force ----

  /** The view's contents at {@code revision} computed from a direct read: key -> decoded object. */
  private Map<String, JsonNode> bruteForce(long revision, Map<String, Long> modRevisions) throws Exception {
    List<KeyValue> kvs = direct.get(bytes(PREFIX), GetOption.builder().isPrefix(true).withRevision(revision).build())
        .get().getKvs();
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (KeyValue kv : kvs) {
      byte[] key = kv.getKey().getBytes();
      try {
        JsonNode node = adapter.decode(key, kv.getValue().getBytes());
        if (adapter.accept(key, node)) {
          out.put(kv.getKey().toString(StandardCharsets.UTF_8), node);
        }
      } catch (RuntimeException e) {
        // left out, as the view leaves it out
      }
      if (modRevisions != null) {
        modRevisions.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getModRevision());
      }
    }
    return out;
  }

  private void readAt(long r, Map<Long, Map<String, JsonNode>> states, Map<Long, Map<String, Long>> mods)
      throws Exception {
    Map<String, Long> m = new LinkedHashMap<>();
    states.put(r, bruteForce(r, m));
    mods.put(r, m);
  }

  private void assertSameAsEtcd(CacheSnapshot<JsonNode> snap, boolean withOwner, String context) throws Exception {
    Map<String, JsonNode> expected = bruteForce(snap.revision(), null);
    List<String> all = sortedKeys(expected, n -> true);
    assertThat(snap.keys(Query.all())).as(context).isEqualTo(all);
    assertThat(snap.size()).as(context).isEqualTo(all.size());
    assertThat(snap.list()).as(context).isEqualTo(all.stream().map(expected::get).toList());
    for (String n : NAMESPACES) {
      assertThat(snap.keys(Query.eq(ns, n))).as(context).isEqualTo(sortedKeys(expected, o -> has(o, "/ns", n)));
      for (String l : LABELS) {
        Query<JsonNode> and = Query.eq(ns, n).and(Query.eq(label, l));
        assertThat(snap.keys(and)).as(context)
            .isEqualTo(sortedKeys(expected, o -> has(o, "/ns", n) && has(o, "/labels", l)));
        Query<JsonNode> or = Query.eq(ns, n).or(Query.eq(label, l));
        List<String> orKeys = sortedKeys(expected, o -> has(o, "/ns", n) || has(o, "/labels", l));
        assertThat(snap.keys(or)).as(context).isEqualTo(orKeys);
        assertThat(snap.count(or)).as(context).isEqualTo(orKeys.size());
      }
    }
    for (String l : LABELS) {
      List<String> keys = sortedKeys(expected, o -> has(o, "/labels", l));
      assertThat(snap.keys(Query.eq(label, l))).as(context).isEqualTo(keys);
      assertThat(snap.list(Query.eq(label, l))).as(context).isEqualTo(keys.stream().map(expected::get).toList());
      assertThat(snap.keys(Query.eq(label, l).and(Query.keyPrefix(PREFIX + "1/")))).as(context)
          .isEqualTo(keys.stream().filter(k -> k.startsWith(PREFIX + "1/")).toList());
    }
    if (withOwner) {
      for (int i = 0; i < 3; i++) {
        String o = "o" + i;
        assertThat(snap.keys(Query.eq(owner, o))).as(context).isEqualTo(sortedKeys(expected, x -> has(x, "/owner", o)));
      }
    }
  }

  /** The events a watch of {@code query} from {@code from} must deliver, as {@link #describe} writes them. */
  private static List<String> expectedEvents(Query<JsonNode> query, long from, Map<Long, Map<String, JsonNode>> states,
      Map<Long, Map<String, Long>> mods) {
    List<String> out = new ArrayList<>();
    for (long r = from; states.containsKey(r); r++) {
      Map<String, JsonNode> before = states.get(r - 1);
      Map<String, JsonNode> after = states.get(r);
      TreeMap<String, String> atR = new TreeMap<>();
      java.util.Set<String> keys = new java.util.TreeSet<>(mods.get(r - 1).keySet());
      keys.addAll(mods.get(r).keySet());
      for (String k : keys) {
        Long mod = mods.get(r).get(k);
        boolean changed = (mod != null && mod == r) || (mod == null && mods.get(r - 1).containsKey(k));
        if (!changed) {
          continue;
        }
        boolean inBefore = before.containsKey(k) && matches(query, k, before.get(k));
        boolean inAfter = after.containsKey(k) && matches(query, k, after.get(k));
        if (inBefore && inAfter) {
          atR.put(k, line(r, "UPDATED", k, after.get(k), before.get(k)));
        } else if (inAfter) {
          atR.put(k, line(r, "CREATED", k, after.get(k), null));
        } else if (inBefore) {
          atR.put(k, line(r, "DELETED", k, null, before.get(k)));
        }
      }
      out.addAll(atR.values());
    }
    return out;
  }

  /** The events in revision order, and in key order within a revision (etcd's order is the txn's). */
  private static List<String> describe(List<CacheEvent<JsonNode>> events) {
    return events.stream()
        .sorted(Comparator.comparingLong((CacheEvent<JsonNode> e) -> e.revision()).thenComparing(CacheEvent::key))
        .map(e -> line(e.revision(), e.type().name(), e.key(), e.object(), e.previous()))
        .toList();
  }

  private static String line(long revision, String type, String key, JsonNode object, JsonNode previous) {
    return revision + " " + type + " " + key + " " + object + " <- " + previous;
  }

  private static boolean matches(Query<JsonNode> q, String key, JsonNode o) {
    if (q instanceof Query.All<JsonNode>) {
      return true;
    }
    if (q instanceof Query.KeyPrefix<JsonNode> p) {
      return key.startsWith(p.keyPrefix());
    }
    if (q instanceof Query.Eq<JsonNode> eq) {
      return has(o, "/" + eq.index().name().replace("label", "labels"), eq.value());
    }
    if (q instanceof Query.And<JsonNode> and) {
      return matches(and.left(), key, o) && matches(and.right(), key, o);
    }
    Query.Or<JsonNode> or = (Query.Or<JsonNode>) q;
    return matches(or.left(), key, o) || matches(or.right(), key, o);
  }

  /** Brute force of a pointer index, written without the adapter's helper. */
  private static boolean has(JsonNode o, String pointer, String value) {
    JsonNode at = o.at(pointer);
    if (at.isArray()) {
      for (JsonNode e : at) {
        if (e.isValueNode() && !e.isNull() && e.asText().equals(value)) {
          return true;
        }
      }
      return false;
    }
    return at.isValueNode() && !at.isNull() && at.asText().equals(value);
  }

  private static List<String> sortedKeys(Map<String, JsonNode> objects, Predicate<JsonNode> p) {
    return objects.entrySet().stream().filter(e -> p.test(e.getValue())).map(Map.Entry::getKey)
        .sorted((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)))
        .toList();
  }

  /** Waits (hang guard only) until a watcher has at least {@code size} events. */
  private static void awaitSize(List<?> events, int size) throws InterruptedException {
    for (int i = 0; i < 3000 && events.size() < size; i++) {
      Thread.sleep(10);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
