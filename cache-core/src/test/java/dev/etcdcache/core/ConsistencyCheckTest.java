package dev.etcdcache.core;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The continuous consistency check against real etcd: the claim it rests on (equal mod revision,
 * equal value), silence on a clean run, and a lost event found and healed.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ConsistencyCheckTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  @Test
  void equalModRevision_meansEqualValue_atEveryRevisionOfARandomHistory() throws Exception {
    KV kv = ETCD.client().getKVClient();
    Random random = new Random(20);
    long first = 0;
    long lastRevision = 0;
    for (int i = 0; i < 400; i++) {
      ByteSequence key = bytes("claim/" + random.nextInt(12));
      if (random.nextInt(10) == 0) {
        lastRevision = kv.delete(key).get().getHeader().getRevision();
      } else {
        // Few distinct values, so the same value is often written again at a later revision.
        lastRevision = kv.put(key, bytes("v" + random.nextInt(4))).get().getHeader().getRevision();
      }
      first = first == 0 ? lastRevision : first;
    }
    // etcd is the oracle: at every revision of the history, every (key, mod revision) it returns
    // carries one and the same value, however many revisions read it.
    Map<String, ByteSequence> valueOf = new HashMap<>();
    long pairsSeenTwice = 0;
    for (long r = first; r <= lastRevision; r++) {
      for (KeyValue e : kv.get(bytes("claim/"), GetOption.builder().isPrefix(true).withRevision(r).build()).get()
          .getKvs()) {
        String id = e.getKey() + "@" + e.getModRevision();
        ByteSequence before = valueOf.putIfAbsent(id, e.getValue());
        if (before != null) {
          assertThat(e.getValue()).as(id).isEqualTo(before);
          pairsSeenTwice++;
        }
      }
    }
    assertThat(pairsSeenTwice).isGreaterThan(1000);
  }

  @Test
  void cleanRun_100kWritesWithTheCheckEverySecond_findsNoDifference() throws Exception {
    KV kv = ETCD.client().getKVClient();
    long lease = ETCD.client().getLeaseClient().grant(600).get().getID();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("clean/"))
        .consistencyCheckPeriod(Duration.ofSeconds(1)).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      Random random = new Random(100);
      Semaphore inFlight = new Semaphore(128);
      List<CompletableFuture<?>> tail = new ArrayList<>();
      int writes = 100_000;
      long lastRevision = 0;
      for (int i = 0; i < writes; i++) {
        ByteSequence key = bytes("clean/" + random.nextInt(20_000));
        int kind = random.nextInt(20);
        inFlight.acquire();
        CompletableFuture<Long> done = kind == 0
            ? kv.delete(key).thenApply(r -> r.getHeader().getRevision())
            : kind == 1
                ? kv.put(key, bytes("leased" + i), PutOption.builder().withLeaseId(lease).build())
                    .thenApply(r -> r.getHeader().getRevision())
                : kv.put(key, bytes("v" + i)).thenApply(r -> r.getHeader().getRevision());
        done.whenComplete((r, e) -> inFlight.release());
        if (i >= writes - 128) {
          tail.add(done);
        }
      }
      for (CompletableFuture<?> f : tail) {
        lastRevision = Math.max(lastRevision, (Long) f.get(60, TimeUnit.SECONDS));
      }
      long target = lastRevision;
      await(() -> currentRevision(cache) >= target);
      ConsistencyReport end = cache.checkConsistency().get(60, TimeUnit.SECONDS);
      System.out.printf("clean run: %d writes, %d checks (%d skipped), last at revision %d over %d keys, "
          + "%d bytes, %.1f ms%n", writes, end.checks(), end.skippedChecks(), end.lastRevision(), end.lastKeys(),
          end.lastBytes(), end.lastNanos() / 1e6);
      assertThat(end.divergedChecks()).isZero();
      assertThat(end.differences()).isZero();
      assertThat(end.lastDifferences()).isEmpty();
      assertThat(end.lastOutcome()).isEqualTo("CONSISTENT");
      assertThat(end.lastKeys()).isEqualTo(
          kv.get(bytes("clean/"), GetOption.builder().isPrefix(true).withCountOnly(true).withRevision(end.lastRevision())
              .build()).get().getCount());
      assertThat(cache.status().relists()).isZero();
    } finally {
      ETCD.client().getLeaseClient().revoke(lease).get();
      kv.delete(bytes("clean/"), DeleteOption.builder().isPrefix(true).build()).get();
    }
  }

  @Test
  void lostEvent_isFoundByTheNextCheck_andHealedByARelist() throws Exception {
    KV kv = ETCD.client().getKVClient();
    kv.put(bytes("lost/a"), bytes("1")).get();
    DroppingClient faults = new DroppingClient(ETCD.client());
    try (CachingClient cache = CachingClient.builder(faults.client()).prefixes(bytes("lost/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThat(cache.checkConsistency().get(60, TimeUnit.SECONDS).lastOutcome()).isEqualTo("CONSISTENT");

      faults.dropNextEventOn(bytes("lost/a"));
      long lostAt = kv.put(bytes("lost/a"), bytes("2")).get().getHeader().getRevision();
      // etcd may send later revisions in the same response as the dropped one: write until the
      // mirror is past the lost write.
      awaitWriting(cache, kv, "lost/b", lostAt);
      assertThat(faults.dropped()).isTrue();
      // The mirror is past the lost write and still holds the old value: a wrong answer.
      assertThat(cache.getKVClient().get(bytes("lost/a"), SERIALIZABLE).get().getKvs().get(0).getModRevision())
          .isLessThan(lostAt);

      ConsistencyReport found = cache.checkConsistency().get(60, TimeUnit.SECONDS);
      assertThat(found.lastOutcome()).isEqualTo("DIVERGED");
      assertThat(found.differences()).isEqualTo(1);
      assertThat(found.lastDifferences()).singleElement().asString()
          .startsWith("METADATA lost/a @")
          .contains("mod " + lostAt + " vs ")
          .contains("version 2 vs 1");

      // Healed: the mirror re-listed, answers etcd's value again, and the next check is clean.
      await(() -> cache.status().relists() >= 1);
      await(() -> modRevisionServed(cache, "lost/a") == lostAt);
      assertThat(cache.checkConsistency().get(60, TimeUnit.SECONDS).lastOutcome()).isEqualTo("CONSISTENT");
      assertThat(cache.consistency().divergedChecks()).isEqualTo(1);
    } finally {
      kv.delete(bytes("lost/"), DeleteOption.builder().isPrefix(true).build()).get();
    }
  }

  /** Writes {@code key} until the mirror has applied a revision past {@code revision}. */
  static void awaitWriting(CachingClient cache, KV kv, String key, long revision) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (cache.status().appliedRevision() <= revision) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the mirror did not pass revision " + revision + " within 60 s (a hang guard)");
      }
      kv.put(bytes(key), bytes("more")).get();
      Thread.sleep(20);
    }
  }

  private static long modRevisionServed(CachingClient cache, String key) {
    try {
      return cache.getKVClient().get(bytes(key), SERIALIZABLE).get().getKvs().get(0).getModRevision();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long currentRevision(CachingClient cache) {
    return cache.status().appliedRevision();
  }

  /** Waits for {@code condition}: a hang guard of 60 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
