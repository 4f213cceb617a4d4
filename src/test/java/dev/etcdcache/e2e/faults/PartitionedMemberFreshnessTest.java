package dev.etcdcache.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.e2e.history.CheckResult;
import dev.etcdcache.e2e.history.EtcdRevision;
import dev.etcdcache.e2e.history.History;
import dev.etcdcache.e2e.history.HistoryChecker;
import dev.etcdcache.e2e.history.Mutation;
import dev.etcdcache.e2e.history.ReadOp;
import dev.etcdcache.e2e.history.WriteOp;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member cut off from its peers (a real peer partition: network namespaces, its client link up)
 * must not make the cache it serves look fresh. The cache talks only to that member; writes go on
 * through the other two, which keep a leader. For several seconds the isolated member still
 * answers progress requests with its own, now stale, revision (it notices the lost leader after an
 * election timeout and ends leader-requiring watches only after three), so a cache that took such
 * an answer as "current" served bounded-staleness reads older than their bound.
 *
 * <p>Every read through the cache (bounded staleness with a 300 ms bound, linearizable) is checked
 * by the {@link HistoryChecker} against the majority's acknowledged writes; a read may fail (the
 * isolated member cannot answer linearizably), never be stale. Issue 16: before the fix the cache
 * served stale bounded-staleness reads from the partitioned member's progress notifications.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PartitionedMemberFreshnessTest {
  private static final Duration BOUND = Duration.ofMillis(300);
  private static final Duration PARTITION = Duration.ofSeconds(8);
  private static final String KEY = "pp/x";

  @Test
  void memberCutOffFromPeers_boundedStalenessAndLinearizableReadsThroughIt_neverStale() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.builder().members(3).name("partitioned-freshness").networkNamespaces()
        .build().start()) {
      int isolated = (cluster.leader() + 1) % 3; // a follower: the majority keeps its leader
      List<URI> majority = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        if (i != isolated) {
          majority.add(cluster.member(i).clientEndpoint());
        }
      }
      try (Client writers = cluster.newClient(majority.toArray(URI[]::new));
          Client viaIsolated = cluster.newClient(cluster.member(isolated).clientEndpoint());
          CachingClient cache = CachingClient.builder(viaIsolated)
              .progressInterval(Duration.ofMillis(200)).stallTimeout(Duration.ofSeconds(3)).build()) {
        History history = new History();
        long start = writers.getKVClient().put(Workload.bytes(KEY), Workload.bytes("initial")).get(30, TimeUnit.SECONDS)
            .getHeader().getRevision();
        history.initialState(start - 1, List.of());
        history.write(new WriteOp(0, 0, 0, start, List.of(Mutation.put(KEY, "initial")), null));
        assertThat(cache.awaitReady(Duration.ofSeconds(60))).as("cache ready: %s", cache.status()).isTrue();

        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        threads.add(started("writer", () -> write(writers, history, stop)));
        threads.add(started("reader-bounded", () -> read(cache, history, ReadConsistency.maxStaleness(BOUND), 1, stop)));
        threads.add(started("reader-linearizable", () -> read(cache, history, ReadConsistency.LINEARIZABLE, 2, stop)));
        Thread.sleep(1_000); // reads served while healthy, for contrast

        long cut = System.nanoTime();
        cluster.member(isolated).isolateFromPeers();
        Thread.sleep(PARTITION.toMillis());
        cluster.member(isolated).rejoinPeers();
        long healed = System.nanoTime();
        Thread.sleep(3_000);
        stop.set(true);
        for (Thread t : threads) {
          t.join(TimeUnit.MINUTES.toMillis(2));
        }

        long last = writers.getKVClient().get(Workload.bytes(KEY)).get(30, TimeUnit.SECONDS).getHeader().getRevision();
        List<EtcdRevision> log = EtcdLogReader.read(writers, "pp/", start - 1, last);
        history.etcdLog(log);
        CheckResult result = HistoryChecker.check(history, last);
        long readsDuring = history.reads().stream()
            .filter(r -> r.invokedNanos() > cut && r.invokedNanos() < healed).count();
        long answeredDuring = history.reads().stream()
            .filter(r -> r.invokedNanos() > cut && r.invokedNanos() < healed && !r.failed()).count();
        System.out.printf("partitioned member: %d reads (%d during the partition, %d of them answered), %d writes,"
                + " %d anomalies; cache %s; stats %s%n", result.reads(), readsDuring, answeredDuring, result.writes(),
            result.anomalyCount(), cache.status(), cache.stats());
        assertThat(result.anomalies()).as(result.describe(10)).isEmpty();
        assertThat(readsDuring).as("reads made during the partition").isPositive();
        assertThat(history.writes().stream().filter(w -> w.acknowledged() && w.invokedNanos() > cut
            && w.completedNanos() < healed).count()).as("writes acknowledged by the majority during the partition")
            .isPositive();
      }
    }
  }

  /** One put every ~50 ms through the majority, each with a unique value. */
  private static void write(Client writers, History history, AtomicBoolean stop) {
    int seq = 0;
    while (!stop.get()) {
      String value = "v" + seq++;
      long invoked = System.nanoTime();
      try {
        long revision = writers.getKVClient().put(Workload.bytes(KEY), Workload.bytes(value)).get(10, TimeUnit.SECONDS)
            .getHeader().getRevision();
        history.write(new WriteOp(0, invoked, System.nanoTime(), revision, List.of(Mutation.put(KEY, value)), null));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        history.write(new WriteOp(0, invoked, Long.MAX_VALUE, WriteOp.UNKNOWN, List.of(Mutation.put(KEY, value)),
            e.toString()));
      }
      sleep(50);
    }
  }

  /** Reads {@link #KEY} through the cache until stopped; failures are recorded as failed reads. */
  private static void read(CachingClient cache, History history, ReadConsistency consistency, int client,
      AtomicBoolean stop) {
    ReadOp.Consistency kind = ReadOp.Consistency.valueOf(consistency.mode().name());
    long bound = consistency.maxStaleness().toNanos();
    while (!stop.get()) {
      long invoked = System.nanoTime();
      try {
        GetResponse r = cache.getKVClient().get(Workload.bytes(KEY), GetOption.DEFAULT, consistency)
            .get(60, TimeUnit.SECONDS);
        history.read(new ReadOp(client, kind, bound, KEY, null, invoked, System.nanoTime(),
            r.getHeader().getRevision(), Workload.records(r.getKvs()), r.getCount(), r.isMore(), null));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        history.read(new ReadOp(client, kind, bound, KEY, null, invoked, System.nanoTime(), 0, List.of(), 0, false,
            e.toString()));
        sleep(50);
      }
      sleep(5);
    }
  }

  private static Thread started(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.start();
    return t;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
