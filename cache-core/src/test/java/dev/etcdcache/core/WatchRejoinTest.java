package dev.etcdcache.core;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A watcher that starts before the cache's history gets its own upstream watch, and goes back to
 * the shared stream once etcd has sent it what the history lacks: its events equal a direct jetcd
 * watcher's, none lost or repeated at the seam, and its own stream is closed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WatchRejoinTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder()
      .etcdArgs("--experimental-watch-progress-notify-interval=500ms")
      .build();

  @Test
  void watcherOlderThanHistory_rejoinsAfterItsEvents_sameEventsAsDirect() throws Exception {
    KV kv = ETCD.client().getKVClient();
    long start = kv.put(bytes("busy/k"), bytes("0")).get().getHeader().getRevision();
    for (int i = 1; i < 50; i++) {
      kv.put(bytes("busy/k"), bytes(Integer.toString(i))).get();
    }
    try (CachingClient cache = CachingClient.builder(ETCD.client()).historyEvents(10).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      WatchOption option = WatchOption.builder().withRevision(start).withPrevKV(true).build();
      List<String> direct = new CopyOnWriteArrayList<>();
      List<String> cached = new CopyOnWriteArrayList<>();
      try (Watch.Watcher d = ETCD.client().getWatchClient().watch(bytes("busy/k"), option, Watch.listener(r -> record(r, direct)));
          Watch.Watcher c = cache.getWatchClient().watch(bytes("busy/k"), option, Watch.listener(r -> record(r, cached)))) {
        await(() -> cache.stats().upstreamWatchStreams() == 2, "the watcher's own upstream watch");
        for (int i = 50; i < 120; i++) {
          kv.put(bytes("busy/k"), bytes(Integer.toString(i))).get();
        }
        await(() -> cache.stats().upstreamWatchStreams() == 1, "the watcher back on the shared stream");
        for (int i = 120; i < 140; i++) {
          kv.put(bytes("busy/k"), bytes(Integer.toString(i))).get();
        }
        await(() -> cached.size() >= 140 && direct.size() >= 140, "every event");
        assertThat(cached).hasSize(140).isEqualTo(direct);
        assertThat(c.isClosed()).isFalse();
      }
    }
  }

  @Test
  void quietWatcherOlderThanHistory_rejoinsOnEtcdsPeriodicProgress_thenGetsItsNextEventOnce() throws Exception {
    KV kv = ETCD.client().getKVClient();
    long start = kv.put(bytes("quiet/k"), bytes("0")).get().getHeader().getRevision();
    for (int i = 0; i < 30; i++) {
      kv.put(bytes("noise/" + i), bytes("n")).get();
    }
    try (CachingClient cache = CachingClient.builder(ETCD.client()).historyEvents(10).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      WatchOption option = WatchOption.builder().withRevision(start).build();
      List<String> cached = new CopyOnWriteArrayList<>();
      List<String> direct = new CopyOnWriteArrayList<>();
      try (Watch.Watcher d = ETCD.client().getWatchClient().watch(bytes("quiet/k"), option, Watch.listener(r -> record(r, direct)));
          Watch.Watcher c = cache.getWatchClient().watch(bytes("quiet/k"), option, Watch.listener(r -> record(r, cached)))) {
        await(() -> cached.size() == 1, "the replayed first event");
        // Nothing happens to quiet/k: only etcd's periodic notification can vouch that its own
        // stream has sent everything, and the client, who did not ask for them, sees none.
        await(() -> cache.stats().upstreamWatchStreams() == 1, "the watcher back on the shared stream");
        kv.put(bytes("quiet/k"), bytes("1")).get();
        await(() -> cached.size() == 2 && direct.size() == 2, "the next event");
        Thread.sleep(300);
        assertThat(cached).isEqualTo(direct).hasSize(2);
      }
    }
  }

  private static void record(io.etcd.jetcd.watch.WatchResponse r, List<String> into) {
    r.getEvents().forEach(e -> into.add(e.getEventType() + " " + e.getKeyValue().getKey() + "@"
        + e.getKeyValue().getModRevision() + "=" + e.getKeyValue().getValue() + " prev=" + e.getPrevKV().getValue()));
    if (r.getEvents().isEmpty()) {
      into.add("empty@" + r.getHeader().getRevision());
    }
  }

  /** Waits for {@code condition}: a hang guard of 60 s, not a speed bar. */
  private static void await(BooleanSupplier condition, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
