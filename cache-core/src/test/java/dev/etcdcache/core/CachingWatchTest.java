package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The same scenarios on jetcd's own watch and on {@link CachingWatch}, against real etcd. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CachingWatchTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  @Test
  void watch_compactedStart_compactedExceptionThenCompleted_likeEtcd() throws Exception {
    var kv = ETCD.client().getKVClient();
    long first = kv.put(bytes("c/1"), bytes("a")).get().getHeader().getRevision();
    long last = kv.put(bytes("c/1"), bytes("b")).get().getHeader().getRevision();
    kv.put(bytes("c/1"), bytes("c")).get();
    kv.compact(last).get();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      WatchOption option = WatchOption.builder().withRevision(first).build();
      Log direct = new Log(2);
      Log cached = new Log(2);
      ETCD.client().getWatchClient().watch(bytes("c/1"), option, direct);
      Watch.Watcher w = cache.getWatchClient().watch(bytes("c/1"), option, cached);
      direct.await();
      cached.await();
      assertThat(cached.lines).isEqualTo(direct.lines).containsExactly("error compacted " + last, "completed");
      assertThat(w.isClosed()).isTrue();
    }
  }

  @Test
  void watch_rangeEndBelowKey_sameErrorAsEtcd_noCompletion() throws Exception {
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      WatchOption option = WatchOption.builder().withRange(bytes("a")).build();
      Log direct = new Log(1);
      Log cached = new Log(1);
      ETCD.client().getWatchClient().watch(bytes("b"), option, direct);
      Watch.Watcher w = cache.getWatchClient().watch(bytes("b"), option, cached);
      direct.await();
      cached.await();
      assertThat(cached.lines).isEqualTo(direct.lines);
      assertThat(w.isClosed()).isFalse();
    }
  }

  @Test
  void watch_callbacks_runOffTheMirrorAndJetcdThreads() throws Exception {
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      List<String> threads = new CopyOnWriteArrayList<>();
      CountDownLatch got = new CountDownLatch(1);
      cache.getWatchClient().watch(bytes("t/"), WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
          Watch.listener(r -> {
            threads.add(Thread.currentThread().getName());
            if (!r.getEvents().isEmpty()) {
              got.countDown();
            }
          }));
      Thread.sleep(200);
      ETCD.client().getKVClient().put(bytes("t/x"), bytes("1")).get();
      assertThat(got.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(threads).allMatch(n -> n.startsWith("etcd-cache-watch-"));
    }
  }

  @Test
  void watch_onClosedClient_throwsClosedClientException() {
    CachingClient cache = CachingClient.builder(ETCD.client()).build();
    cache.close();
    assertThatThrownBy(() -> cache.getWatchClient().watch(bytes("k"), WatchOption.DEFAULT, Watch.listener(r -> {})))
        .isInstanceOf(ClosedClientException.class);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static final class Log implements Watch.Listener {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final CountDownLatch done;

    Log(int expected) {
      done = new CountDownLatch(expected);
    }

    void await() throws InterruptedException {
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Override
    public void onNext(io.etcd.jetcd.watch.WatchResponse response) {
      lines.add("next " + response.getEvents().size());
      done.countDown();
    }

    @Override
    public void onError(Throwable t) {
      lines.add(t instanceof CompactedException c ? "error compacted " + c.getCompactedRevision()
          : "error " + t.getClass().getSimpleName() + " " + t.getMessage());
      done.countDown();
    }

    @Override
    public void onCompleted() {
      lines.add("completed");
      done.countDown();
    }
  }
}
