package dev.etcdcache.core;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shadow mode against real etcd: etcd answers every read; sampled reads compared with the cache's
 * answer at the same revision find nothing on a healthy mirror and the lost write on a mirror that
 * missed an event.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ShadowReadsTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  @Test
  void healthyMirror_everySampledReadEqual_andTheLostWriteFoundAfterADroppedEvent() throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (int i = 0; i < 50; i++) {
      kv.put(bytes("sh/" + i), bytes("v" + i)).get();
    }
    DroppingClient faults = new DroppingClient(ETCD.client());
    try (CachingClient cache = CachingClient.builder(faults.client()).prefixes(bytes("sh/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      cache.shadowReads(1.0);
      Random random = new Random(3);
      for (int i = 0; i < 300; i++) {
        if (i % 3 == 0) {
          kv.put(bytes("sh/" + random.nextInt(60)), bytes("w" + i)).get();
        }
        if (random.nextBoolean()) {
          cache.getKVClient().get(bytes("sh/" + random.nextInt(60))).get();
        } else {
          cache.getKVClient().get(bytes("sh/"), GetOption.builder().isPrefix(true).withLimit(random.nextInt(20))
              .build()).get();
        }
      }
      await(() -> cache.shadowReport().compared() + cache.shadowReport().skipped() == 300);
      ShadowReport clean = cache.shadowReport();
      System.out.printf("shadow: %d sampled, %d compared, %d skipped%n", clean.sampled(), clean.compared(),
          clean.skipped());
      assertThat(clean.sampled()).isEqualTo(300);
      assertThat(clean.compared()).isPositive();
      assertThat(clean.totalMismatches()).isZero();
      assertThat(cache.stats().servedFromMemory()).isZero(); // etcd answered every read

      faults.dropNextEventOn(bytes("sh/7"));
      long lost = kv.put(bytes("sh/7"), bytes("lost")).get().getHeader().getRevision();
      ConsistencyCheckTest.awaitWriting(cache, kv, "sh/8", lost);
      // etcd's answer is right; the cache's answer at the same revision, compared behind it, is not.
      assertThat(cache.getKVClient().get(bytes("sh/7")).get().getKvs().get(0).getModRevision()).isEqualTo(lost);
      await(() -> cache.shadowReport().totalMismatches() >= 1);
      ShadowReport found = cache.shadowReport();
      assertThat(found.mismatches().get("GET/KVS")).isEqualTo(1);
      assertThat(found.recent()).singleElement().asString().startsWith("GET KVS sh/7 @")
          .contains("mod " + lost + " vs ");

      cache.shadowReads(0);
      cache.getKVClient().get(bytes("sh/1")).get();
      assertThat(cache.stats().servedFromMemory()).isEqualTo(1);
    } finally {
      kv.delete(bytes("sh/"), DeleteOption.builder().isPrefix(true).build()).get();
    }
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
