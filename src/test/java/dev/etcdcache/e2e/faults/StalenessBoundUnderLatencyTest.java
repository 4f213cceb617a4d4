package dev.etcdcache.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.e2e.history.CheckResult;
import dev.etcdcache.e2e.history.History;
import dev.etcdcache.e2e.history.HistoryChecker;
import dev.etcdcache.e2e.history.Mutation;
import dev.etcdcache.e2e.history.ReadOp;
import dev.etcdcache.e2e.history.WriteOp;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.FaultProxy;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded-staleness read promises to miss no write acknowledged more than its bound before it
 * started. Here the cache's connection has 1 s of latency each way and writes come about once a
 * second, so the mirror's watch falls silent, it asks etcd for progress, and the notification
 * arrives a second after etcd sent it. Every read is checked by the {@link HistoryChecker}.
 *
 * <p>Issue 16 regression: about 3 of 4 reads were older than their bound while a progress
 * notification at or below the applied revision counted as "current now" on receipt; it only shows
 * the mirror current as of the send time of the progress request it answers, which is what the
 * mirror now records ({@code WatchLoop} pairs notifications with requests; etcd's periodic ones
 * confirm nothing).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StalenessBoundUnderLatencyTest {
  private static final Duration BOUND = Duration.ofMillis(500);
  private static final Duration LATENCY = Duration.ofSeconds(1);

  @Test
  void boundedStalenessRead_lateProgressNotifications_neverOlderThanItsBound() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.builder().name("staleness-latency").build().start();
        FaultProxy proxy = FaultProxy.start(cluster.member(0).clientAddress());
        Client direct = cluster.newClient();
        Client proxied = cluster.newClient(proxy.endpoint());
        CachingClient cache = CachingClient.builder(proxied)
            .progressInterval(Duration.ofMillis(300)).stallTimeout(Duration.ofSeconds(10)).build()) {
      History history = new History();
      long start = direct.getKVClient().put(Workload.bytes("s/x"), Workload.bytes("initial")).get().getHeader().getRevision();
      history.initialState(start - 1, List.of());
      history.write(new WriteOp(0, 0, 0, start, List.of(Mutation.put("s/x", "initial")), null));
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
      proxy.latency(LATENCY);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Thread writer = new Thread(() -> {
        int seq = 0;
        java.util.Random random = new java.util.Random(42);
        while (System.nanoTime() < deadline) {
          try {
            Thread.sleep(900 + random.nextInt(500));
            String value = "v" + seq++;
            long invoked = System.nanoTime();
            long rev = direct.getKVClient().put(Workload.bytes("s/x"), Workload.bytes(value)).get(10, TimeUnit.SECONDS)
                .getHeader().getRevision();
            history.write(new WriteOp(0, invoked, System.nanoTime(), rev, List.of(Mutation.put("s/x", value)), null));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      writer.start();
      ReadConsistency bounded = ReadConsistency.maxStaleness(BOUND);
      while (System.nanoTime() < deadline) {
        long invoked = System.nanoTime();
        GetResponse r = cache.getKVClient().get(Workload.bytes("s/x"), GetOption.DEFAULT, bounded).get(30, TimeUnit.SECONDS);
        history.read(new ReadOp(1, ReadOp.Consistency.BOUNDED_STALENESS, BOUND.toNanos(), "s/x", null, invoked,
            System.nanoTime(), r.getHeader().getRevision(), Workload.records(r.getKvs()), r.getCount(), r.isMore(), null));
        Thread.sleep(5);
      }
      writer.join();
      proxy.latency(Duration.ZERO);
      long last = direct.getKVClient().get(Workload.bytes("s/x")).get().getHeader().getRevision();
      CheckResult result = HistoryChecker.check(history, last);
      System.out.printf("staleness under latency: %d reads, %d writes, %d anomalies, stats %s%n", result.reads(),
          result.writes(), result.anomalyCount(), cache.stats());
      assertThat(result.anomalies()).as(result.describe(10)).isEmpty();
    }
  }
}
