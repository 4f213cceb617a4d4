package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Periodic progress notifications of a watcher served from memory come at the etcd server's own
 * {@code --experimental-watch-progress-notify-interval}, as a direct jetcd watcher's do, not at the
 * cache's configured fallback (10 minutes here, etcd's default).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WatchProgressCadenceTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder()
      .etcdArgs("--experimental-watch-progress-notify-interval=1s")
      .build();

  @Test
  void progressNotify_followsTheServersInterval_withTheCurrentRevision() throws Exception {
    long revision = ETCD.client().getKVClient().put(bytes("cadence/k"), bytes("v")).get().getHeader().getRevision();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      WatchOption option = WatchOption.builder().withProgressNotify(true).build();
      List<WatchResponse> direct = new CopyOnWriteArrayList<>();
      List<WatchResponse> cached = new CopyOnWriteArrayList<>();
      try (Watch.Watcher d = ETCD.client().getWatchClient().watch(bytes("cadence/k"), option, Watch.listener(direct::add));
          Watch.Watcher c = cache.getWatchClient().watch(bytes("cadence/k"), option, Watch.listener(cached::add))) {
        // Nothing is written meanwhile: every response is a periodic progress notification. The
        // wait is a hang guard only; with the fallback interval none would come for 10 minutes.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (cached.size() < 4 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        int directCount = direct.size();
        int cachedCount = cached.size();
        assertThat(cachedCount).as("progress notifications from the cache").isGreaterThanOrEqualTo(4);
        // Not faster than the server's cadence: at most about what the direct watcher got in the
        // same time (it started first), with room for the phase of the two tickers.
        assertThat(cachedCount).as("cache vs direct (%d)", directCount).isLessThanOrEqualTo(2 * directCount + 2);
        for (WatchResponse r : cached) {
          assertThat(r.isProgressNotify()).isTrue();
          assertThat(r.getEvents()).isEmpty();
          assertThat(r.getHeader().getRevision()).isEqualTo(revision);
        }
        for (WatchResponse r : direct) {
          assertThat(r.getHeader().getRevision()).isEqualTo(revision);
        }
      }
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
