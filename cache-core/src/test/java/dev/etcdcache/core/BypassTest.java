package dev.etcdcache.core;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheStats;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The runtime bypass flipped on and off during a watch-heavy workload: every watcher, whether it
 * started before the flips, while bypassed, or after, gets each event of its range exactly once and
 * in order; reads go to etcd while bypassed and come back to memory after.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BypassTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  /** One client watcher and the revisions of the events it got, in arrival order. */
  private record Recorded(long from, ByteSequence key, boolean prefix, List<Long> revisions, Watch.Watcher watcher) {}

  @Test
  void bypassFlippedDuringWrites_everyWatcherSeesEachEventOnceInOrder() throws Exception {
    KV kv = ETCD.client().getKVClient();
    long base = kv.put(bytes("b/seed"), bytes("0")).get().getHeader().getRevision();
    Map<Long, String> written = new ConcurrentSkipListMap<>();
    List<Recorded> watchers = new ArrayList<>();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("b/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      for (int i = 0; i < 40; i++) {
        watchers.add(watch(cache, base + 1, i % 2 == 0 ? bytes("b/") : bytes("b/k" + (i % 5)), i % 2 == 0));
      }
      Semaphore inFlight = new Semaphore(16);
      List<CompletableFuture<?>> all = new ArrayList<>();
      int flips = 0;
      long servedFromEtcdBefore = passedThrough(cache);
      for (int i = 0; i < 3000; i++) {
        if (i % 150 == 75) {
          cache.bypass(!cache.isBypassed());
          flips++;
          // Watchers opened on either side of the switch, from the next revision and from the past.
          long now = written.isEmpty() ? base : ((ConcurrentSkipListMap<Long, String>) written).lastKey();
          watchers.add(watch(cache, now + 1, bytes("b/"), true));
          watchers.add(watch(cache, Math.max(base + 1, now - 20), bytes("b/k" + (i % 5)), false));
          if (cache.isBypassed()) {
            cache.getKVClient().get(bytes("b/k1"), SERIALIZABLE).get(); // to etcd, counted
          }
          if (flips == 1) {
            // The 40 watchers served from memory moved to their own etcd watches (plus the mirror's
            // and the two just opened while bypassed).
            await(() -> cache.stats().upstreamWatchStreams() >= 1 + 40 + 2);
          }
        }
        inFlight.acquire();
        String key = "b/k" + (i % 5);
        CompletableFuture<?> put = kv.put(bytes(key), bytes("v" + i)).thenAccept(r -> {
          written.put(r.getHeader().getRevision(), key);
          inFlight.release();
        });
        all.add(put);
      }
      for (CompletableFuture<?> f : all) {
        f.get(60, TimeUnit.SECONDS);
      }
      cache.bypass(false);
      assertThat(flips).isEqualTo(20);
      assertThat(passedThrough(cache)).isGreaterThan(servedFromEtcdBefore);

      // Back on the shared stream: the mirror's one upstream watch, whatever was moved or opened on
      // etcd while bypassed (every range got writes after the last flip, so etcd vouched for each).
      await(() -> cache.stats().upstreamWatchStreams() == 1);
      Thread.sleep(200); // lets a repeated event, if any, arrive before the comparison
      for (Recorded w : watchers) {
        List<Long> expected = expected(w, written);
        await(() -> w.revisions().size() >= expected.size());
        assertThat(w.revisions()).as("watcher from %d on %s", w.from(), w.key()).isEqualTo(expected);
        w.watcher().close();
      }
      // Back to memory: reads served without etcd again.
      long before = passedThrough(cache);
      cache.getKVClient().get(bytes("b/k1"), SERIALIZABLE).get();
      assertThat(passedThrough(cache)).isEqualTo(before);
    }
  }

  @Test
  void bypassOff_movedWatchersRejoinTheSharedStreamAtOnce_evenOnQuietKeys() throws Exception {
    KV kv = ETCD.client().getKVClient();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("q/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      await(() -> cache.status().connected());
      long from = kv.put(bytes("q/seed"), bytes("0")).get().getHeader().getRevision() + 1;
      // Half the watchers get an event on their own etcd watch while bypassed, half stay quiet (no
      // event, and no periodic progress notification within etcd's 10 minutes).
      Map<Long, String> written = new ConcurrentSkipListMap<>();
      List<Recorded> watchers = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        watchers.add(watch(cache, from, bytes(i % 2 == 0 ? "q/busy" : "q/quiet"), i >= 6));
      }
      put(kv, "q/busy", written);
      put(kv, "q/quiet", written);
      for (Recorded w : watchers) {
        await(() -> w.revisions().size() == 1); // served from memory, live
      }
      await(() -> cache.stats().upstreamWatchStreams() == 1);

      cache.bypass(true);
      await(() -> cache.stats().upstreamWatchStreams() == 1 + watchers.size());
      put(kv, "q/busy", written);
      for (int i = 0; i < 5; i++) {
        put(kv, "q/other", written); // the mirror moves on; the quiet watchers' etcd watches hear nothing
      }
      long applied = written.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
      await(() -> cache.status().appliedRevision() >= applied);

      cache.bypass(false);
      await(() -> cache.stats().upstreamWatchStreams() == 1);
      put(kv, "q/quiet", written);
      put(kv, "q/busy", written);

      Thread.sleep(200); // lets a repeated event, if any, arrive before the comparison
      for (Recorded w : watchers) {
        List<Long> expected = expected(w, written);
        await(() -> w.revisions().size() >= expected.size());
        assertThat(w.revisions()).as("watcher on %s", w.key()).isEqualTo(expected);
        w.watcher().close();
      }
    }
  }

  @Test
  void watchesOnlyBypass_readsFromMemory_newWatchersOnEtcd() throws Exception {
    KV kv = ETCD.client().getKVClient();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("w/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      await(() -> cache.status().connected()); // the mirror's own stream counted before the baseline
      cache.bypass(false, true);
      assertThat(cache.isBypassed()).isTrue();
      long streams = cache.stats().upstreamWatchStreams();
      long from = kv.put(bytes("w/a"), bytes("1")).get().getHeader().getRevision();
      Recorded w = watch(cache, from, bytes("w/"), true);
      await(() -> cache.stats().upstreamWatchStreams() == streams + 1);
      await(() -> cache.status().appliedRevision() >= from);
      long served = cache.stats().servedFromMemory();
      assertThat(cache.getKVClient().get(bytes("w/a"), SERIALIZABLE).get().getKvs()).hasSize(1);
      assertThat(cache.stats().servedFromMemory()).isEqualTo(served + 1);
      await(() -> w.revisions().size() == 1);
      assertThat(w.revisions()).containsExactly(from);
      w.watcher().close();
      cache.bypass(false);
      assertThat(cache.isBypassed()).isFalse();
    }
  }

  /**
   * The revisions etcd gave the writes in the watcher's range from its start: etcd's own answer to
   * each put, in revision order.
   */
  private static List<Long> expected(Recorded w, Map<Long, String> written) {
    String key = w.key().toString(StandardCharsets.UTF_8);
    List<Long> out = new ArrayList<>();
    for (Map.Entry<Long, String> e : written.entrySet()) {
      if (e.getKey() >= w.from() && (w.prefix() ? e.getValue().startsWith(key) : e.getValue().equals(key))) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  private static Recorded watch(CachingClient cache, long from, ByteSequence key, boolean prefix) {
    List<Long> revisions = new CopyOnWriteArrayList<>();
    WatchOption.Builder option = WatchOption.builder().withRevision(from);
    if (prefix) {
      option.isPrefix(true);
    }
    Watch.Watcher watcher = cache.getWatchClient().watch(key, option.build(), r -> {
      for (WatchEvent e : r.getEvents()) {
        revisions.add(e.getKeyValue().getModRevision());
      }
    });
    return new Recorded(from, key, prefix, revisions, watcher);
  }

  private static void put(KV kv, String key, Map<Long, String> written) throws Exception {
    written.put(kv.put(bytes(key), bytes("v")).get().getHeader().getRevision(), key);
  }

  private static long passedThrough(CachingClient cache) {
    CacheStats s = cache.stats();
    return s.passedThroughNotReady();
  }

  /** Waits for {@code condition}: a hang guard of 60 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
        .until(condition::getAsBoolean);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
