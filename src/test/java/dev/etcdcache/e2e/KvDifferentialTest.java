package dev.etcdcache.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd is the oracle: a seeded random workload of puts, deletes, multi-key txns, lease-bound keys,
 * lease revocations and compactions runs against real etcd; after every step, random Gets drawn
 * from the whole {@link GetOption} space go both directly through jetcd and through
 * {@code CachingKV}, at the same revision, and must be equal field by field, errors included.
 * The seed is printed on failure; set {@code -Detcdcache.seed=N} to replay one.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class KvDifferentialTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final String[] PREFIXES = {"a/", "a/b/", "b/", "c\u00ff/", "z"};
  private static final String[] VALUES = {"", "v1", "v2", "v3", "longer-value", "\u00ff\u00fe"};
  private static final int STEPS = 150;
  private static final int READS_PER_STEP = 40;

  @Test
  void randomWorkload_everyGetOption_cacheAnswersExactlyAsEtcd() throws Exception {
    long seed = Long.getLong("etcdcache.seed", System.nanoTime());
    run(seed, ETCD.client(), CachingClient.builder(ETCD.client()).build(), "whole keyspace");
  }

  @Test
  void randomWorkload_prefixMirror_cacheAnswersExactlyAsEtcd() throws Exception {
    long seed = Long.getLong("etcdcache.seed", System.nanoTime());
    CachingClient cache = CachingClient.builder(ETCD.client())
        .prefixes(bytes("a/"), bytes("c\u00ff/"))
        .build();
    run(seed, ETCD.client(), cache, "prefixes a/ and c\\xff/");
  }

  /**
   * Issue 16: limits, revisions and ranges at the edges of their types. etcd answers a limit of
   * {@code Long.MAX_VALUE} or {@code Integer.MAX_VALUE} as "no limit" and a negative one likewise;
   * the cache must neither size an allocation from the request nor answer differently.
   */
  @Test
  void extremeInputs_limitsRevisionsAndRanges_cacheAnswersExactlyAsEtcd() throws Exception {
    KV etcd = ETCD.client().getKVClient();
    for (String k : new String[] {"edge/a", "edge/b", "edge/c", "edge/d"}) {
      etcd.put(bytes(k), bytes("v-" + k)).get();
    }
    long[] limits = {Long.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, Integer.MAX_VALUE - 1L, -1,
        Integer.MIN_VALUE, Long.MIN_VALUE, 0, 1};
    long[] revisions = {0, Long.MAX_VALUE, Long.MIN_VALUE, -1, Integer.MAX_VALUE + 1L};
    // key, range end (null: single key); "" as end with a key is the prefix case below.
    String[][] ranges = {{"edge/", null}, {"edge/b", "edge/b"}, {"edge/c", "edge/a"}, {"edge/", "edge0"},
        {"\0", "\0"}, {"edge/zz", null}, {"\0", "\u00ff\u00ff"}};
    int comparisons = 0;
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
      long current = etcd.get(bytes("\0"), GetOption.builder().withCountOnly(true).build()).get().getHeader()
          .getRevision();
      awaitApplied(cache, current, "extreme inputs");
      KV cached = cache.getKVClient();
      for (String[] range : ranges) {
        for (long limit : limits) {
          for (long revision : revisions) {
            for (int shape = 0; shape < 3; shape++) {
              GetOption.Builder b = GetOption.builder().withLimit(limit).withRevision(revision);
              if (range[1] != null) {
                b.withRange(bytes(range[1]));
              }
              switch (shape) {
                case 1 -> b.withSortOrder(GetOption.SortOrder.DESCEND).withSortField(GetOption.SortTarget.MOD);
                case 2 -> b.withSerializable(true).withKeysOnly(true);
                default -> { }
              }
              GetOption option = b.build();
              Outcome expected = outcome(etcd.get(bytes(range[0]), option));
              Outcome actual = outcome(cached.get(bytes(range[0]), option));
              assertThat(actual).as("get(%s, %s)", range[0], describe(option)).isEqualTo(expected);
              comparisons++;
            }
          }
        }
      }
    }
    System.out.printf("extreme inputs: %d comparisons%n", comparisons);
  }

  private void run(long seed, io.etcd.jetcd.Client direct, CachingClient cache, String mode) throws Exception {
    Random random = new Random(seed);
    String context = "seed=" + seed + " (" + mode + ")";
    int comparisons = 0;
    try (cache) {
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).as(context).isTrue();
      KV etcd = direct.getKVClient();
      KV cached = cache.getKVClient();
      long lease = direct.getLeaseClient().grant(600).get().getID();
      for (int step = 0; step < STEPS; step++) {
        String op = write(random, etcd, cached, direct, step, lease);
        if (op.equals("revoke")) {
          lease = direct.getLeaseClient().grant(600).get().getID();
        }
        long current = etcd.get(bytes("\0"), GetOption.builder().withCountOnly(true).build()).get().getHeader().getRevision();
        awaitApplied(cache, current, context);
        for (int i = 0; i < READS_PER_STEP; i++) {
          ByteSequence key = randomKey(random);
          GetOption option = randomOption(random, current);
          Outcome expected = outcome(etcd.get(key, option));
          Outcome actual = outcome(cached.get(key, option));
          assertThat(actual)
              .as("%s step %d after %s: get(%s, %s)", context, step, op, key, describe(option))
              .isEqualTo(expected);
          comparisons++;
        }
      }
      var reads = cache.stats();
      System.out.printf("%s: %d comparisons, %d served from memory, %d pass-through RPCs, %d probes, %d fallbacks%n",
          context, comparisons, reads.servedFromMemory(), reads.passThroughRpcs(), reads.probeRpcs(), reads.passedThroughTimeout());
      // Reads at compacted or future revisions and ranges outside a prefix mirror go to etcd;
      // the rest must come from memory, or the comparison proves nothing about the cache.
      assertThat(reads.servedFromMemory()).as(context).isGreaterThan(comparisons / 3);
      assertThat(reads.passedThroughTimeout()).as(context).isZero();
    }
    assertThat(comparisons).isEqualTo(STEPS * READS_PER_STEP);
  }

  private static String write(Random random, KV etcd, KV cached, io.etcd.jetcd.Client direct, int step, long lease)
      throws Exception {
    KV writer = random.nextBoolean() ? etcd : cached;
    int dice = random.nextInt(100);
    if (dice < 45) {
      PutOption option = random.nextInt(5) == 0 ? PutOption.builder().withLeaseId(lease).build() : PutOption.DEFAULT;
      writer.put(randomKey(random), bytes(VALUES[random.nextInt(VALUES.length)]), option).get();
      return "put";
    } else if (dice < 60) {
      writer.delete(randomKey(random)).get();
      return "delete";
    } else if (dice < 65) {
      writer.delete(bytes(PREFIXES[random.nextInt(PREFIXES.length)]), DeleteOption.builder().isPrefix(true).build()).get();
      return "delete prefix";
    } else if (dice < 88) {
      List<Op> ops = new ArrayList<>();
      int n = 1 + random.nextInt(4);
      for (int i = 0; i < n; i++) {
        ByteSequence key = randomKey(random);
        if (random.nextInt(4) == 0) {
          ops.add(Op.delete(key, DeleteOption.DEFAULT));
        } else {
          ops.add(Op.put(key, bytes(VALUES[random.nextInt(VALUES.length)]), PutOption.DEFAULT));
        }
      }
      // A txn may not touch one key twice; keep the first op per key.
      List<Op> unique = new ArrayList<>();
      List<ByteSequence> seen = new ArrayList<>();
      for (Op o : ops) {
        ByteSequence k = keyOf(o);
        if (!seen.contains(k)) {
          seen.add(k);
          unique.add(o);
        }
      }
      writer.txn().Then(unique.toArray(new Op[0])).commit().get();
      return "txn";
    } else if (dice < 92) {
      direct.getLeaseClient().revoke(lease).get();
      return "revoke";
    } else {
      long current = etcd.get(bytes("\0"), GetOption.builder().withCountOnly(true).build()).get().getHeader().getRevision();
      long target = Math.max(1, current - random.nextInt(8));
      try {
        writer.compact(target).get();
      } catch (ExecutionException e) {
        // compacting at or below the compact revision is refused; that is fine for the workload
      }
      return "compact " + target;
    }
  }

  private static ByteSequence keyOf(Op op) {
    try {
      var field = Op.class.getDeclaredField("key");
      field.setAccessible(true);
      return ByteSequence.from((com.google.protobuf.ByteString) field.get(op));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitApplied(CachingClient cache, long revision, String context) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cache.status().appliedRevision() < revision) {
      assertThat(System.nanoTime()).as("%s: cache never reached revision %d (%s)", context, revision, cache.status())
          .isLessThan(deadline);
      Thread.sleep(2);
    }
  }

  private static ByteSequence randomKey(Random random) {
    String prefix = PREFIXES[random.nextInt(PREFIXES.length)];
    return bytes(prefix + (char) ('a' + random.nextInt(6)));
  }

  private static GetOption randomOption(Random random, long current) {
    GetOption.Builder b = GetOption.builder();
    switch (random.nextInt(5)) {
      case 0 -> { }
      case 1 -> b.isPrefix(true);
      case 2 -> b.withRange(random.nextBoolean() ? bytes("\0") : randomKey(random));
      case 3 -> b.withRange(prefixEnd(PREFIXES[random.nextInt(PREFIXES.length)]));
      default -> b.withRange(bytes("zz"));
    }
    if (random.nextInt(3) == 0) {
      b.withLimit(random.nextInt(5));
    }
    if (random.nextInt(4) == 0) {
      b.withRevision(Math.max(1, current - random.nextInt(12) + 2));
    }
    if (random.nextInt(3) == 0) {
      b.withSortOrder(GetOption.SortOrder.values()[random.nextInt(3)]);
    }
    if (random.nextInt(3) == 0) {
      b.withSortField(GetOption.SortTarget.values()[random.nextInt(5)]);
    }
    b.withSerializable(random.nextInt(3) == 0);
    b.withKeysOnly(random.nextInt(6) == 0);
    b.withCountOnly(random.nextInt(8) == 0);
    if (random.nextInt(6) == 0) {
      b.withMinCreateRevision(random.nextInt((int) current + 1));
    }
    if (random.nextInt(6) == 0) {
      b.withMaxCreateRevision(random.nextInt((int) current + 1));
    }
    if (random.nextInt(6) == 0) {
      b.withMinModRevision(random.nextInt((int) current + 1));
    }
    if (random.nextInt(6) == 0) {
      b.withMaxModRevision(random.nextInt((int) current + 1));
    }
    return b.build();
  }

  private static String describe(GetOption o) {
    return "end=" + o.getEndKey().map(ByteSequence::toString).orElse("-") + " prefix=" + o.isPrefix()
        + " limit=" + o.getLimit() + " rev=" + o.getRevision() + " sort=" + o.getSortOrder() + "/" + o.getSortField()
        + " serializable=" + o.isSerializable() + " keysOnly=" + o.isKeysOnly() + " countOnly=" + o.isCountOnly()
        + " create=[" + o.getMinCreateRevision() + "," + o.getMaxCreateRevision() + "] mod=["
        + o.getMinModRevision() + "," + o.getMaxModRevision() + "]";
  }

  /** What a Get produced, compared field by field: the response's fields, or the error's. */
  record Outcome(long headerRevision, long count, boolean more, List<String> kvs, String errorClass,
      Status.Code code, String description) {}

  private static Outcome outcome(CompletableFuture<GetResponse> future) throws InterruptedException {
    try {
      GetResponse r = future.get(30, TimeUnit.SECONDS);
      List<String> kvs = new ArrayList<>();
      for (KeyValue kv : r.getKvs()) {
        kvs.add(kv.getKey() + "=" + kv.getValue() + " create=" + kv.getCreateRevision() + " mod="
            + kv.getModRevision() + " version=" + kv.getVersion() + " lease=" + kv.getLease());
      }
      return new Outcome(r.getHeader().getRevision(), r.getCount(), r.isMore(), kvs, null, null, null);
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      return new Outcome(0, 0, false, List.of(), e.getCause().getClass().getName(), status.getCode(),
          status.getDescription());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("a Get did not answer within 30 s", e);
    }
  }

  private static ByteSequence prefixEnd(String prefix) {
    return io.etcd.jetcd.options.OptionsUtil.prefixEndOf(bytes(prefix));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.ISO_8859_1);
  }
}
