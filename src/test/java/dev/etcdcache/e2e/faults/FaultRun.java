package dev.etcdcache.e2e.faults;

import dev.etcdcache.api.CacheStats;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.e2e.history.EtcdRevision;
import dev.etcdcache.e2e.history.History;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.FaultProxy;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One fault's run: the cluster, the proxy (if the fault needs one), the direct client writers use,
 * the cache under test, the history and the figures gathered while the fault is injected. The
 * test thread drives it; the workload's threads only record into the history.
 */
final class FaultRun {
  final Fault fault;
  final Scale scale;
  final EtcdCluster cluster;
  final FaultProxy proxy;
  final Client direct;
  final History history = new History();
  final List<Long> recoveryNanos = new ArrayList<>();
  /** From the heal to the first answer of a plain jetcd client used through the fault: what bounds the cache's figure. */
  final List<Long> directRecoveryNanos = new ArrayList<>();
  /** From the start of a partition to the cache's upstream watch being ended (the cache noticed). */
  final List<Long> noticeNanos = new ArrayList<>();
  /** For a partition: when the cache was last confirmed current, in ms from the cut (≤ 0: nothing after it); null if never. */
  Long lastConfirmedAfterCutMillis;
  /** For a partition: whether the member cut off was the leader or a follower when cut. */
  String isolatedRole;
  /** From the heal to the cache's upstream watch being connected again. */
  final List<Long> cacheReconnectNanos = new ArrayList<>();
  final List<CachingClient> caches = new ArrayList<>();
  final List<Client> clients = new ArrayList<>();
  /** etcd's log up to a compaction, read before compacting; the rest is read at the end. */
  final List<EtcdRevision> logBeforeCompaction = new ArrayList<>();
  /** Watchers opened below a compaction: etcd would end them with its compaction error. */
  final List<dev.etcdcache.e2e.history.WatchLog> mustEndCompacted = new ArrayList<>();
  /** etcd's compact revision (0: the run never compacted). */
  long compactRevision;
  long startRevision;
  long finalRevision;
  Workload workload;
  long deadlineNanos;
  private CacheStats statsAtFault;
  /** The jetcd client the first cache wraps. */
  private Client cacheClient;
  /** From the heal to the first answer of the client the cache wraps: the cache cannot be back before it. */
  final List<Long> wrappedRecoveryNanos = new ArrayList<>();
  long passedThroughDuringFault;

  FaultRun(Fault fault, Scale scale, EtcdCluster cluster, FaultProxy proxy, Client direct) {
    this.fault = fault;
    this.scale = scale;
    this.cluster = cluster;
    this.proxy = proxy;
    this.direct = direct;
  }

  /** A jetcd client over all members ({@code endpoints} empty) or the given ones, closed with the run. */
  Client newClient(java.net.URI... endpoints) {
    Client client = endpoints.length == 0 ? cluster.newClient() : cluster.newClient(endpoints);
    clients.add(client);
    return client;
  }

  /** The cache under test (the first one). */
  CachingClient cache() {
    return caches.get(0);
  }

  /** A cache over {@code client} configured to notice faults quickly, registered for closing. */
  CachingClient newCache(Client client) {
    if (caches.isEmpty()) {
      cacheClient = client;
    }
    CachingClient.Builder builder = CachingClient.builder(client)
        .progressInterval(Duration.ofMillis(500))
        .stallTimeout(Duration.ofSeconds(3));
    fault.configure(builder);
    CachingClient cache = builder.build();
    caches.add(cache);
    return cache;
  }

  /** etcd's current revision, read directly; retried while etcd recovers (up to 2 min). */
  long currentRevision() throws Exception {
    return currentRevision(direct);
  }

  /** etcd's current revision, read through {@code client}; retried while etcd recovers (up to 2 min). */
  private static long currentRevision(Client client) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      try {
        return client.getKVClient().get(Workload.bytes("\0"), GetOption.builder().withCountOnly(true).build())
            .get(10, TimeUnit.SECONDS).getHeader().getRevision();
      } catch (Exception e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** Marks the start of the fault window (for the pass-through figure). */
  void faultStarts() {
    statsAtFault = cache().stats();
  }

  /**
   * etcd (or the connection) is back as of {@code healNanos}: waits until the cache has applied
   * the revision etcd reports now (read through a fresh client) and records how long that took
   * from the heal; also when the cache's watch reconnected, when the jetcd client it wraps first
   * answered (what bounds it: its gRPC channel's reconnect backoff), and when another jetcd client
   * used through the fault did. The waits are hang guards (2 min), not speed claims.
   */
  void healed(long healNanos) throws Exception {
    // The cache's own reconnect, watched apart from the plain client's (which may come back later).
    java.util.concurrent.atomic.AtomicLong cacheConnected = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong wrappedBack = new java.util.concurrent.atomic.AtomicLong();
    Thread watcher = new Thread(() -> {
      long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      java.util.concurrent.CompletableFuture<?> probe = null;
      while (System.nanoTime() < until && !Thread.currentThread().isInterrupted()) {
        // grpc-java fails RPCs at once while the channel backs off, so polling does not hurry it.
        if (wrappedBack.get() == 0 && (probe == null || probe.isDone())) {
          probe = cacheClient.getKVClient().get(Workload.bytes("\0"), GetOption.builder().withCountOnly(true).build())
              .thenRun(() -> wrappedBack.compareAndSet(0, System.nanoTime() - healNanos));
        }
        if (cacheConnected.get() == 0 && cache().status().connected()) {
          cacheConnected.set(System.nanoTime() - healNanos);
        }
        if (cacheConnected.get() != 0 && wrappedBack.get() != 0) {
          return;
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "fault-run-reconnect-watch");
    watcher.start();
    // etcd's revision right after the heal, through a client that starts now (no channel backoff
    // behind it), so the figure is the cache's and not the test's own client's.
    long target;
    try (Client fresh = cluster.newClient()) {
      target = currentRevision(fresh);
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (cache().status().appliedRevision() < target) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("cache never reached revision " + target + " after the fault: " + cache().status());
      }
      Thread.sleep(5);
    }
    recoveryNanos.add(System.nanoTime() - healNanos);
    currentRevision();
    directRecoveryNanos.add(System.nanoTime() - healNanos);
    watcher.join(TimeUnit.MINUTES.toMillis(2));
    if (cacheConnected.get() > 0) {
      cacheReconnectNanos.add(cacheConnected.get());
    }
    if (wrappedBack.get() > 0) {
      wrappedRecoveryNanos.add(wrappedBack.get());
    }
    passedThroughDuringFault = cache().stats().minus(statsAtFault).passedThrough();
  }

  /** Opens the standard watchers on the first cache: the whole prefix live and from a little in the past, one writer's keys live. */
  void openWatchers() throws Exception {
    long current = currentRevision();
    workload.watch(cache(), 1, Workload.PREFIX, current + 1, null, 0);
    workload.watch(cache(), 1, Workload.PREFIX, Math.max(startRevision + 1, current - 20), null, 0);
    workload.watch(cache(), 1, Workload.PREFIX + "w1/", current + 1, null, 0);
  }

  static void sleep(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }
}
