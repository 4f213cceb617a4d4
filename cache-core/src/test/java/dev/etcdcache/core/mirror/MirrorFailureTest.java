package dev.etcdcache.core.mirror;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.store.KeyRange;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the mirror does when applying a revision fails: never serve past a hole, recover by re-listing. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MirrorFailureTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private final ScheduledExecutorService applier = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopApplyThread() {
    applier.shutdownNow();
  }

  @Test
  void apply_listenerThrows_stopsServingThenRelistsAndCatchesUp() throws Exception {
    KV kv = ETCD.client().getKVClient();
    MirrorSettings settings = new MirrorSettings(List.of(KeyRange.prefix(bytes("fail/"))), 1 << 20, 100, 100,
        Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(50),
        Duration.ofMillis(200));
    try (Mirror mirror = new Mirror(kv, ETCD.client().getWatchClient(), settings, applier,
        ForkJoinPool.commonPool(), Ticker.systemTicker(), StatsRecorder.disabled())) {
      AtomicInteger throwsLeft = new AtomicInteger(1);
      AtomicInteger relists = new AtomicInteger();
      mirror.addListener(new RevisionListener() {
        @Override
        public void onRevision(AppliedRevision applied) {
          if (throwsLeft.getAndDecrement() > 0) {
            throw new IllegalStateException("a listener bug");
          }
        }

        @Override
        public void onRelist(dev.etcdcache.core.store.StoreVersion version, long compactRevision) {
          relists.incrementAndGet();
        }
      });
      mirror.start().get(30, TimeUnit.SECONDS);
      assertThat(mirror.isServing()).isTrue();

      long first = kv.put(ByteSequence.from(bytes("fail/a")), ByteSequence.from(bytes("1"))).get()
          .getHeader().getRevision();
      long second = kv.put(ByteSequence.from(bytes("fail/b")), ByteSequence.from(bytes("2"))).get()
          .getHeader().getRevision();

      // The failed revision is not swallowed: the mirror re-lists, tells its listeners, and ends
      // holding both writes, serving again.
      await(() -> relists.get() == 1 && mirror.isServing() && mirror.currentRevision() >= second);
      assertThat(mirror.current().tree().get(bytes("fail/a"))).isNotNull();
      assertThat(mirror.current().tree().get(bytes("fail/b"))).isNotNull();
      assertThat(mirror.status().relists()).isEqualTo(1);
      assertThat(mirror.status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("a listener bug"));
      assertThat(first).isLessThan(second);
    }
  }

  @Test
  void close_fromAReadyCallback_closesTheUpstreamWatch() throws Exception {
    double watchersBefore = watchers();
    MirrorSettings settings = new MirrorSettings(List.of(KeyRange.prefix(bytes("close/"))), 1 << 20, 100, 100,
        Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(50),
        Duration.ofMillis(200));
    Mirror mirror = new Mirror(ETCD.client().getKVClient(), ETCD.client().getWatchClient(), settings, applier,
        ForkJoinPool.commonPool(), Ticker.systemTicker(), StatsRecorder.disabled());
    var closed = mirror.ready().thenRun(mirror::close);
    mirror.start();
    closed.get(30, TimeUnit.SECONDS);
    assertThat(mirror.isClosed()).isTrue();
    // Nothing of the mirror stays registered at etcd.
    await(() -> watchers() <= watchersBefore);
  }

  private static double watchers() {
    return ETCD.metrics(0).value("etcd_debugging_mvcc_watcher_total");
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
