package dev.etcdcache.core.mirror;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.KeyRange;
import dev.etcdcache.core.store.StoredValue;
import dev.etcdcache.core.verify.CheckRound;
import dev.etcdcache.core.verify.ConsistencyChecker;
import dev.etcdcache.core.verify.Divergence;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A mirror whose memory no longer matches etcd (an entry altered in place, an entry added, one
 * removed, through the package-private test hook) is found by the next consistency check, stops
 * serving, and is healed by a re-list.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MirrorDivergenceTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private final ScheduledExecutorService applier = Executors.newSingleThreadScheduledExecutor();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopThreads() {
    applier.shutdownNow();
    timer.shutdownNow();
  }

  @Test
  void alteredEntries_areFoundByTheNextCheck_andHealedByARelist() throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (int i = 0; i < 50; i++) {
      kv.put(ByteSequence.from(bytes("alter/" + i)), ByteSequence.from(bytes("v" + i))).get();
    }
    KeyRange range = KeyRange.prefix(bytes("alter/"));
    MirrorSettings settings = new MirrorSettings(List.of(range), 1 << 20, 100, 100, Duration.ofSeconds(60),
        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofMillis(200));
    try (Mirror mirror = new Mirror(kv, ETCD.client().getWatchClient(), settings, applier,
        ForkJoinPool.commonPool(), Ticker.systemTicker(), StatsRecorder.disabled());
        ConsistencyChecker checker = new ConsistencyChecker(mirror, kv, List.of(range), timer, Ticker.systemTicker(),
            7)) { // 7 keys a page: the merge crosses page boundaries
      mirror.start().get(30, TimeUnit.SECONDS);
      assertThat(checker.checkNow().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(CheckRound.Outcome.CONSISTENT);

      byte[] stored = mirror.current().tree().get(bytes("alter/7"));
      // Another value and lease under the same revisions (the lease is what a keys-only check can
      // see), and a key etcd never held.
      mirror.corruptEntryForTest(bytes("alter/7"), StoredValue.pack(bytes("bad"), StoredValue.createRevision(stored),
          StoredValue.modRevision(stored), StoredValue.version(stored), 42));
      mirror.corruptEntryForTest(bytes("alter/70"), StoredValue.pack(bytes("ghost"), 5, 5, 1, 0));
      long revision = mirror.currentRevision();

      CheckRound found = checker.checkNow().get(30, TimeUnit.SECONDS);
      assertThat(found.outcome()).isEqualTo(CheckRound.Outcome.DIVERGED);
      assertThat(found.revision()).isEqualTo(revision);
      assertThat(found.differences()).isEqualTo(2);
      assertThat(found.first()).extracting(Divergence::kind)
          .containsExactly(Divergence.Kind.METADATA, Divergence.Kind.EXTRA_IN_MIRROR);
      assertThat(found.first().get(0).detail()).isEqualTo("lease 0 vs 42");
      assertThat(found.first().get(1).key()).isEqualTo("alter/70");

      await(() -> mirror.status().relists() == 1 && mirror.isServing());
      assertThat(mirror.current().tree().get(bytes("alter/70"))).isNull();
      assertThat(StoredValue.lease(mirror.current().tree().get(bytes("alter/7")))).isZero();
      assertThat(checker.checkNow().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(CheckRound.Outcome.CONSISTENT);
      assertThat(checker.divergedChecks()).isEqualTo(1);
      assertThat(mirror.status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("diverged from etcd"));
    }
  }

  @Test
  void removedEntry_isReportedMissingInTheMirror() throws Exception {
    KV kv = ETCD.client().getKVClient();
    kv.put(ByteSequence.from(bytes("gone/a")), ByteSequence.from(bytes("1"))).get();
    kv.put(ByteSequence.from(bytes("gone/b")), ByteSequence.from(bytes("1"))).get();
    KeyRange range = KeyRange.prefix(bytes("gone/"));
    MirrorSettings settings = new MirrorSettings(List.of(range), 1 << 20, 100, 100, Duration.ofSeconds(60),
        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofMillis(200));
    try (Mirror mirror = new Mirror(kv, ETCD.client().getWatchClient(), settings, applier,
        ForkJoinPool.commonPool(), Ticker.systemTicker(), StatsRecorder.disabled());
        ConsistencyChecker checker = new ConsistencyChecker(mirror, kv, List.of(range), timer,
            Ticker.systemTicker())) {
      mirror.start().get(30, TimeUnit.SECONDS);
      mirror.removeEntryForTest(bytes("gone/a"));
      CheckRound found = checker.checkNow().get(30, TimeUnit.SECONDS);
      assertThat(found.first()).singleElement().satisfies(d -> {
        assertThat(d.kind()).isEqualTo(Divergence.Kind.MISSING_IN_MIRROR);
        assertThat(d.key()).isEqualTo("gone/a");
      });
      await(() -> mirror.status().relists() == 1 && mirror.isServing());
      assertThat(mirror.current().tree().get(bytes("gone/a"))).isNotNull();
    }
  }

  /** Waits for {@code condition}: a hang guard of 60 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
