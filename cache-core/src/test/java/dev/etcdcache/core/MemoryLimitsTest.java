package dev.etcdcache.core;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheMemory;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * maxEntries and the memory budget: a mirror that outgrows them degrades instead of growing (reads
 * and watchers go to etcd, the store is released, status says so and why), every answer meanwhile
 * equals etcd's, every watcher gets each event once and in order across the switch, and the cache
 * serves from memory again once a count shows its ranges fit.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class MemoryLimitsTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();
  private static final GetOption PREFIX_SERIALIZABLE = GetOption.builder().isPrefix(true).withSerializable(true)
      .build();

  @Test
  void maxEntries_outgrown_degradesExactlyThenServesFromMemoryWhenItFitsAgain() throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (int i = 0; i < 50; i++) {
      kv.put(key("e/", i), bytes("v" + i)).get();
    }
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("e/")).maxEntries(80).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThat(cache.memory().degraded()).isFalse();
      assertThat(cache.memory().maxEntries()).isEqualTo(80);
      long from = cache.status().appliedRevision() + 1;
      List<Long> seen = new CopyOnWriteArrayList<>();
      Watch.Watcher watcher = cache.getWatchClient().watch(bytes("e/"),
          WatchOption.builder().isPrefix(true).withRevision(from).build(), r -> {
            for (WatchEvent e : r.getEvents()) {
              seen.add(e.getKeyValue().getModRevision());
            }
          });
      List<Long> written = new ArrayList<>();
      for (int i = 50; i < 120; i++) {
        written.add(kv.put(key("e/", i), bytes("w" + i)).get().getHeader().getRevision());
        assertSameAsEtcd(cache, "e/");
      }
      await(() -> cache.memory().degraded());
      CacheMemory degraded = cache.memory();
      assertThat(degraded.degradedReason()).get().asString().contains("maxEntries");
      assertThat(degraded.degradations()).isEqualTo(1);
      assertThat(degraded.storeBytes()).isZero(); // the store was released
      assertThat(cache.status().memory().degraded()).isTrue();
      // Degraded: writes go on, every answer is etcd's, the watcher keeps getting each event.
      long degradedReads = cache.memory().degradedReads();
      for (int i = 0; i < 20; i++) {
        written.add(kv.put(key("e/", i), bytes("x" + i)).get().getHeader().getRevision());
        assertSameAsEtcd(cache, "e/");
      }
      assertThat(cache.status().memory().degradedReads()).isGreaterThanOrEqualTo(degradedReads + 20);
      // Shrink below the limit: a count shows it fits, the mirror lists again and serves.
      for (int i = 0; i < 60; i++) {
        written.add(kv.delete(key("e/", i)).get().getHeader().getRevision());
      }
      await(() -> !cache.memory().degraded());
      assertThat(cache.memory().entries()).isEqualTo(60);
      long served = cache.stats().servedFromMemory();
      degradedReads = cache.memory().degradedReads();
      assertSameAsEtcd(cache, "e/");
      assertThat(cache.stats().servedFromMemory()).isGreaterThan(served);
      assertThat(cache.memory().degradedReads()).isEqualTo(degradedReads);
      written.add(kv.put(key("e/", 500), bytes("after")).get().getHeader().getRevision());
      assertSameAsEtcd(cache, "e/");
      await(() -> seen.size() >= written.size());
      Thread.sleep(200); // lets a repeated event, if any, arrive before the comparison
      assertThat(seen).isEqualTo(written);
      watcher.close();
    }
  }

  @Test
  void memoryBudget_listLargerThanBudget_neverHoldsItAndAnswersFromEtcd() throws Exception {
    KV kv = ETCD.client().getKVClient();
    byte[] big = new byte[64 * 1024];
    for (int i = 0; i < 40; i++) { // about 2.5 MiB under the prefix, over a 1 MiB budget
      big[0] = (byte) i;
      kv.put(key("b/", i), ByteSequence.from(big)).get();
    }
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("b/")).memoryBudget(1 << 20)
        .build()) {
      await(() -> cache.memory().degraded());
      assertThat(cache.memory().degradedReason()).get().asString().contains("memory budget");
      assertThat(cache.memory().retainedBytes()).isLessThanOrEqualTo(1 << 20);
      assertSameAsEtcd(cache, "b/");
      List<Long> seen = new CopyOnWriteArrayList<>();
      long from = kv.get(bytes("b/")).get().getHeader().getRevision() + 1;
      Watch.Watcher watcher = cache.getWatchClient().watch(bytes("b/"),
          WatchOption.builder().isPrefix(true).withRevision(from).build(), r -> {
            for (WatchEvent e : r.getEvents()) {
              seen.add(e.getKeyValue().getModRevision());
            }
          });
      List<Long> written = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        written.add(kv.put(key("b/", i), bytes("small")).get().getHeader().getRevision());
      }
      assertSameAsEtcd(cache, "b/");
      await(() -> seen.size() >= written.size());
      assertThat(seen).isEqualTo(written);
      watcher.close();
    }
  }

  /** The cache's prefix read, linearizable and serializable, equals etcd's own at the same time. */
  private static void assertSameAsEtcd(CachingClient cache, String prefix) throws Exception {
    GetResponse fromCache = cache.getKVClient().get(bytes(prefix), PREFIX).get(30, TimeUnit.SECONDS);
    GetResponse fromEtcd = ETCD.client().getKVClient().get(bytes(prefix),
        GetOption.builder().isPrefix(true).withRevision(fromCache.getHeader().getRevision()).build())
        .get(30, TimeUnit.SECONDS);
    assertThat(RenderedKeyValues.render(fromCache.getKvs())).isEqualTo(RenderedKeyValues.render(fromEtcd.getKvs()));
    assertThat(fromCache.getCount()).isEqualTo(fromEtcd.getCount());
    GetResponse serializable = cache.getKVClient().get(bytes(prefix), PREFIX_SERIALIZABLE).get(30, TimeUnit.SECONDS);
    GetResponse etcdThen = ETCD.client().getKVClient().get(bytes(prefix),
        GetOption.builder().isPrefix(true).withRevision(serializable.getHeader().getRevision()).build())
        .get(30, TimeUnit.SECONDS);
    assertThat(RenderedKeyValues.render(serializable.getKvs())).isEqualTo(RenderedKeyValues.render(etcdThen.getKvs()));
  }

  /** Waits for {@code condition}: a hang guard of 90 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10))
        .until(condition::getAsBoolean);
  }

  private static ByteSequence key(String prefix, int i) {
    return bytes(String.format("%s%04d", prefix, i));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
