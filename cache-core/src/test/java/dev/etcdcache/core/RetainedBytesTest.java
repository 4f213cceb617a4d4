package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheMemory;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openjdk.jol.info.GraphLayout;

/**
 * The cache's retained-bytes estimate ({@code CachingClient.memory()}) against JOL's measurement of
 * the very structures it estimates (the held versions' trees, the history's events), at 100,000
 * keys with updates, deletes and creates applied after the list: within 10 % for the store and for
 * the whole. Prints both, part by part.
 *
 * <p>The same check at a million keys, reported in the README (minutes, not part of the suite):
 * {@code mvn -B -o verify -pl cache-core -am -Dtest=RetainedBytesTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dretained.keys=1000000}.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class RetainedBytesTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final int KEYS = Integer.getInteger("retained.keys", 100_000);
  private static final int TXN_OPS = 100; // below etcd's --max-txn-ops (128)

  @Test
  void memory_at100kKeysWithRecentChanges_isWithinTenPercentOfJol() throws Exception {
    KV kv = ETCD.client().getKVClient();
    Random rnd = new Random(21);
    load(kv, rnd);
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("m/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
      // Recent changes the versions and the history hold: updates (with larger values), deletes
      // and creates, a few keys per revision.
      long last = 0;
      for (int i = 0; i < 2_000; i++) {
        List<Op> ops = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
          int k = rnd.nextInt(KEYS + 5_000);
          if (i % 10 == 0) {
            ops.add(Op.delete(key(k), DeleteOption.DEFAULT));
          } else {
            ops.add(Op.put(key(k), value(rnd, 100 + rnd.nextInt(400)), PutOption.DEFAULT));
          }
        }
        last = kv.txn().Then(ops.toArray(Op[]::new)).commit().get().getHeader().getRevision();
      }
      // A linearizable read waits until the mirror applied every change above.
      cache.getKVClient().get(key(0)).get(30, TimeUnit.SECONDS);
      assertThat(cache.status().appliedRevision()).isGreaterThanOrEqualTo(last);

      CacheMemory memory = cache.memory();
      List<Object> roots = cache.retainedRoots();
      long measuredStore = GraphLayout.parseInstance(roots.get(0)).totalSize();
      long measuredAll = GraphLayout.parseInstance(roots.toArray()).totalSize();
      long measuredTrees = GraphLayout.parseInstance(roots.stream()
          .filter(r -> r instanceof dev.etcdcache.btree.BPlusTree).toArray()).totalSize();
      System.out.printf("store: estimated %,d B, JOL %,d B (%+.1f %%)%n", memory.storeBytes(), measuredStore,
          percent(memory.storeBytes(), measuredStore));
      System.out.printf("versions: estimated %,d B, JOL %,d B; history beyond them: estimated %,d B, JOL %,d B%n",
          memory.versionBytes(), measuredTrees - measuredStore, memory.historyBytes(), measuredAll - measuredTrees);
      System.out.printf("retained: estimated %,d B, JOL %,d B (%+.1f %%), %,d keys%n", memory.retainedBytes(),
          measuredAll, percent(memory.retainedBytes(), measuredAll), memory.entries());
      assertThat(memory.entries()).isGreaterThan(KEYS - 1_000);
      assertThat(memory.versionBytes()).isPositive();
      assertThat(memory.historyBytes()).isPositive();
      assertThat(Math.abs(percent(memory.storeBytes(), measuredStore))).isLessThan(10.0);
      assertThat(Math.abs(percent(memory.retainedBytes(), measuredAll))).isLessThan(10.0);
      assertThat(cache.status().memory()).isEqualTo(cache.memory());
    }
  }

  /** Loads the keys with values of 20 to 300 bytes, {@value #TXN_OPS} per transaction. */
  private static void load(KV kv, Random rnd) throws Exception {
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    for (int i = 0; i < KEYS; i += TXN_OPS) {
      List<Op> ops = new ArrayList<>();
      for (int k = i; k < Math.min(KEYS, i + TXN_OPS); k++) {
        ops.add(Op.put(key(k), value(rnd, 20 + rnd.nextInt(280)), PutOption.DEFAULT));
      }
      inFlight.add(kv.txn().Then(ops.toArray(Op[]::new)).commit());
      if (inFlight.size() == 16) {
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        inFlight.clear();
      }
    }
    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
  }

  private static double percent(long estimated, long measured) {
    return 100.0 * (estimated - measured) / measured;
  }

  private static ByteSequence key(int i) {
    return bytes(String.format("m/%s/%07d", Integer.toString(i % 97, 36), i));
  }

  private static ByteSequence value(Random rnd, int length) {
    byte[] v = new byte[length];
    rnd.nextBytes(v);
    return ByteSequence.from(v);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
