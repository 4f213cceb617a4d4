package dev.etcdcache.e2e.faults;

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
import dev.etcdcache.testing.EtcdMember;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

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

  /**
   * The rest of the promise: the cache is not held on the cut-off member's stream. Its client knows
   * all three members; the member carrying the mirror's watch (found from each member's own
   * {@code etcd_debugging_mvcc_watch_stream_total}) is cut off from its peers and stays cut off.
   * etcd ends the mirror's leader-requiring watch there, the mirror reconnects through jetcd's
   * round-robin channel, and a write made through the majority after the cut reaches the cache's
   * serializable reads and its watcher while the partition lasts.
   */
  @Test
  void memberCutOffFromPeers_mirrorMovesToAMemberWithALeader() throws Exception {
    try (EtcdCluster cluster = EtcdCluster.builder().members(3).name("partitioned-move").networkNamespaces()
        .build().start();
        Client all = cluster.newClient();
        CachingClient cache = CachingClient.builder(all).stallTimeout(Duration.ofSeconds(3)).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).as("cache ready: %s", cache.status()).isTrue();
      // The mirror opens its watch just after it is ready: wait (a hang guard) until a member shows it.
      int watched = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            for (int i = 0; i < 3; i++) {
              if (watchStreams(cluster.member(i)) > 0) {
                return i;
              }
            }
            return -1;
          }, i -> i >= 0);
      assertThat(watched).as("the member holding the mirror's watch stream").isNotNegative();
      List<URI> others = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        if (i != watched) {
          others.add(cluster.member(i).clientEndpoint());
        }
      }
      List<String> seen = new CopyOnWriteArrayList<>();
      try (Client writers = cluster.newClient(others.toArray(URI[]::new));
          Watch.Watcher watcher = cache.getWatchClient().watch(Workload.bytes(KEY),
              Watch.listener(r -> r.getEvents().forEach(
                  e -> seen.add(e.getKeyValue().getValue().toString(StandardCharsets.UTF_8)))))) {
        cluster.member(watched).isolateFromPeers();
        try {
          long cut = System.nanoTime();
          String value = "after-the-cut";
          long written = writeWithRetry(writers, value);
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
          String served = null;
          while (System.nanoTime() < deadline) {
            GetResponse r = cache.getKVClient().get(Workload.bytes(KEY), GetOption.builder().withSerializable(true).build())
                .get(30, TimeUnit.SECONDS);
            if (!r.getKvs().isEmpty() && r.getKvs().get(0).getModRevision() >= written) {
              served = r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
              break;
            }
            Thread.sleep(100);
          }
          long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut);
          System.out.printf("mirror moved off member %d (cut off from its peers) in %d ms: %s; watch streams now %d/%d/%d%n",
              watched, tookMillis, cache.status(), watchStreams(cluster.member(0)), watchStreams(cluster.member(1)),
              watchStreams(cluster.member(2)));
          assertThat(served).as("the write through the majority, served from the cache while the partition lasts")
              .isEqualTo(value);
          long watcherDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (!seen.contains(value) && System.nanoTime() < watcherDeadline) {
            Thread.sleep(50);
          }
          assertThat(seen).as("the cache's watcher").contains(value);
          assertThat(watchStreams(cluster.member(watched))).as("watch streams left on the cut-off member").isZero();
        } finally {
          cluster.member(watched).rejoinPeers();
        }
      }
    }
  }

  private static long writeWithRetry(Client writers, String value) throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      try {
        return writers.getKVClient().put(Workload.bytes(KEY), Workload.bytes(value)).get(10, TimeUnit.SECONDS)
            .getHeader().getRevision();
      } catch (ExecutionException | TimeoutException e) {
        if (attempt == 20) {
          throw new AssertionError("the majority did not take a write", e);
        }
        Thread.sleep(500); // the majority may be electing a leader if the cut-off member led
      }
    }
  }

  private static long watchStreams(EtcdMember member) {
    for (String line : member.metricsText().split("\n")) {
      if (line.startsWith("etcd_debugging_mvcc_watch_stream_total ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("no etcd_debugging_mvcc_watch_stream_total in the member's metrics");
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
