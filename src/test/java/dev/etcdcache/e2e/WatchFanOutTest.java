package dev.etcdcache.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import dev.etcdcache.testing.EtcdMetrics;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many watchers, one upstream stream: 10,000 watchers through one {@code CachingClient} (half on one
 * prefix, half each on its own key) hold exactly the mirror's one watch stream and one watcher in
 * etcd (read from etcd's own metrics), and every watcher receives every event of its range. And a
 * blocked listener delays neither the other watchers nor the mirror.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WatchFanOutTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final int WATCHERS = 10_000;
  private static final int PREFIX_EVENTS = 50;

  @Test
  void tenThousandWatchers_oneUpstreamStream_allReceiveEveryEvent() throws Exception {
    EtcdMetrics before = ETCD.metrics(0);
    double streams0 = before.value("etcd_debugging_mvcc_watch_stream_total");
    double watchers0 = before.value("etcd_debugging_mvcc_watcher_total");
    KV kv = ETCD.client().getKVClient();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
      Watch watch = cache.getWatchClient();
      int half = WATCHERS / 2;
      AtomicInteger[] prefixCounts = new AtomicInteger[half];
      AtomicInteger[] keyCounts = new AtomicInteger[half];
      CountDownLatch created = new CountDownLatch(WATCHERS);
      CountDownLatch done = new CountDownLatch(WATCHERS);
      long t0 = System.nanoTime();
      for (int i = 0; i < half; i++) {
        AtomicInteger c = prefixCounts[i] = new AtomicInteger();
        watch.watch(bytes("fan/"), WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
            counting(c, PREFIX_EVENTS + half, created, done));
        AtomicInteger k = keyCounts[i] = new AtomicInteger();
        watch.watch(bytes("fan/k" + i), WatchOption.builder().withCreateNotify(true).build(),
            counting(k, 1, created, done));
      }
      assertThat(created.await(120, TimeUnit.SECONDS)).as("all watchers created").isTrue();
      long t1 = System.nanoTime();
      EtcdMetrics during = ETCD.metrics(0);
      double streams = during.value("etcd_debugging_mvcc_watch_stream_total") - streams0;
      double watchers = during.value("etcd_debugging_mvcc_watcher_total") - watchers0;
      for (int i = 0; i < PREFIX_EVENTS; i++) {
        kv.put(bytes("fan/p" + i), bytes("v" + i)).get();
      }
      for (int i = 0; i < half; i++) {
        kv.put(bytes("fan/k" + i), bytes("x")).get();
      }
      long t2 = System.nanoTime();
      assertThat(done.await(180, TimeUnit.SECONDS)).as("every watcher got every event").isTrue();
      long t3 = System.nanoTime();
      for (int i = 0; i < half; i++) {
        assertThat(prefixCounts[i].get()).isEqualTo(PREFIX_EVENTS + half);
        assertThat(keyCounts[i].get()).isEqualTo(1);
      }
      long deliveries = (long) half * (PREFIX_EVENTS + half) + half;
      System.out.printf("fan-out: %d watchers created in %d ms; etcd watch streams +%.0f, watchers +%.0f; "
              + "%d writes in %d ms; %d deliveries complete %d ms after the last write ack%n",
          WATCHERS, ms(t1 - t0), streams, watchers, PREFIX_EVENTS + half, ms(t2 - t1), deliveries, ms(t3 - t2));
      assertThat(streams).as("watch streams the cache added in etcd").isEqualTo(1.0);
      assertThat(watchers).as("watchers the cache added in etcd").isEqualTo(1.0);
      assertThat(cache.stats().upstreamWatchStreams()).isEqualTo(1);
    }
  }

  @Test
  void slowListener_doesNotDelayOthersOrMirror() throws Exception {
    KV kv = ETCD.client().getKVClient();
    int events = 200;
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
      Watch watch = cache.getWatchClient();
      CountDownLatch release = new CountDownLatch(1);
      ConcurrentLinkedQueue<Long> slowRevisions = new ConcurrentLinkedQueue<>();
      CountDownLatch created = new CountDownLatch(1 + 20);
      watch.watch(bytes("slow/"), WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
          Watch.listener(r -> {
            if (r.isCreatedNotify()) {
              created.countDown();
              return;
            }
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            r.getEvents().forEach(e -> slowRevisions.add(e.getKeyValue().getModRevision()));
          }));
      CountDownLatch others = new CountDownLatch(20);
      List<AtomicInteger> counts = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        AtomicInteger c = new AtomicInteger();
        counts.add(c);
        watch.watch(bytes("slow/"), WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
            counting(c, events, created, others));
      }
      assertThat(created.await(60, TimeUnit.SECONDS)).isTrue();
      long last = 0;
      for (int i = 0; i < events; i++) {
        last = kv.put(bytes("slow/" + i), bytes("v")).get().getHeader().getRevision();
      }
      // The slow listener is still blocked in its first callback while all this happens.
      assertThat(others.await(120, TimeUnit.SECONDS)).as("other watchers got every event").isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (cache.status().appliedRevision() < last && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(cache.status().appliedRevision()).as("the mirror kept applying").isGreaterThanOrEqualTo(last);
      assertThat(slowRevisions).isEmpty();
      release.countDown();
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (slowRevisions.size() < events && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      List<Long> got = new ArrayList<>(slowRevisions);
      assertThat(got).as("the slow listener got every event once, in order").hasSize(events)
          .isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
    }
  }

  private static Watch.Listener counting(AtomicInteger count, int expected, CountDownLatch created, CountDownLatch done) {
    return Watch.listener((WatchResponse r) -> {
      if (r.isCreatedNotify()) {
        created.countDown();
        return;
      }
      List<WatchEvent> events = r.getEvents();
      if (!events.isEmpty() && count.addAndGet(events.size()) == expected) {
        done.countDown();
      }
    });
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
