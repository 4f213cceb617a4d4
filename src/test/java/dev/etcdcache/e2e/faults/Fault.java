package dev.etcdcache.e2e.faults;

import dev.etcdcache.core.CachingClient;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The faults of the matrix, each injected into a running workload by {@link #inject}. A fault
 * that heals calls {@link FaultRun#healed} so the time to a current cache is measured.
 */
enum Fault {
  /** The leader of a 3-member cluster is killed during writes, then restarted. */
  LEADER_KILL(3, false) {
    @Override
    void inject(FaultRun run) throws Exception {
      for (int i = 0; i < run.scale.cycles(); i++) {
        int leader = run.cluster.leader();
        run.cluster.member(leader).kill();
        FaultRun.sleep(Duration.ofSeconds(2));
        run.cluster.member(leader).restart();
        run.healed(System.nanoTime());
        FaultRun.sleep(Duration.ofMillis(500));
      }
    }
  },
  /** A follower of a 3-member cluster is restarted (graceful stop, start). */
  MEMBER_RESTART(3, false) {
    @Override
    void inject(FaultRun run) throws Exception {
      for (int i = 0; i < run.scale.cycles(); i++) {
        int follower = (run.cluster.leader() + 1 + i) % 3;
        run.cluster.member(follower).restart();
        run.healed(System.nanoTime());
        FaultRun.sleep(Duration.ofMillis(500));
      }
    }
  },
  /**
   * A real peer partition: in a 3-member cluster whose members run in network namespaces of their
   * own, member 0, the only member the cache talks to (so its watch and probes are all there), is
   * cut off from its peers for longer than three election timeouts while its client link stays up;
   * the writers write through members 1 and 2, which keep a leader. For seconds member 0 still
   * answers the cache (serializably, with its own stale revision) before it ends leader-requiring
   * watches: nothing it says may make the cache serve a read older than its promise. Records when
   * the cache's watch was ended and when the cache was last confirmed current, both from the cut.
   */
  MEMBER_PARTITIONED(3, false) {
    @Override
    void inject(FaultRun run) throws Exception {
      int isolated = 0;
      run.isolatedRole = run.cluster.leader() == isolated ? "leader" : "follower";
      run.cluster.member(isolated).isolateFromPeers();
      // Taken once the link is surely down (the ip command returned), so figures are from the cut.
      long cut = System.nanoTime();
      java.time.Instant cutAt = java.time.Instant.now();
      long until = cut + Duration.ofSeconds(Math.min(10, Math.max(6, run.scale.outage().toSeconds()))).toNanos();
      long disconnected = 0;
      while (System.nanoTime() < until) {
        if (disconnected == 0 && !run.cache().status().connected()) {
          disconnected = System.nanoTime() - cut;
        }
        Thread.sleep(5);
      }
      java.time.Instant lastConfirmed = run.cache().status().lastProgress();
      run.cluster.member(isolated).rejoinPeers();
      run.healed(System.nanoTime());
      if (disconnected > 0) {
        run.noticeNanos.add(disconnected);
      }
      run.lastConfirmedAfterCutMillis = lastConfirmed == null ? null
          : Duration.between(cutAt, lastConfirmed).toMillis();
    }

    @Override
    boolean networkNamespaces() {
      return true;
    }

    @Override
    java.net.URI[] cacheEndpoints(FaultRun run) {
      return new java.net.URI[] {run.cluster.member(0).clientEndpoint()};
    }

    @Override
    java.net.URI[] directEndpoints(dev.etcdcache.testing.EtcdCluster cluster) {
      return new java.net.URI[] {cluster.member(1).clientEndpoint(), cluster.member(2).clientEndpoint()};
    }
  },
  /** The cache's connection is stalled (a blackhole) for the outage, then passes again. */
  CONNECTION_STALL(1, true) {
    @Override
    void inject(FaultRun run) throws Exception {
      run.proxy.stall();
      FaultRun.sleep(run.scale.outage().compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : run.scale.outage());
      run.proxy.pass();
      run.healed(System.nanoTime());
    }
  },
  /** Every connection of the cache is cut (TCP reset), repeatedly. */
  CONNECTION_CUT(1, true) {
    @Override
    void inject(FaultRun run) throws Exception {
      for (int i = 0; i < 2 * run.scale.cycles(); i++) {
        run.proxy.cutAll();
        run.healed(System.nanoTime());
        FaultRun.sleep(Duration.ofMillis(300));
      }
    }
  },
  /**
   * The cache's connection gets 1.5 s of latency each way (more than the bounded-staleness
   * readers' 1 s bound) while writers write sparsely, so the cache's watch falls silent and the
   * mirror asks etcd for progress notifications, which arrive late.
   */
  CONNECTION_LATENCY(1, true) {
    @Override
    void inject(FaultRun run) throws Exception {
      run.proxy.latency(Duration.ofMillis(1500));
      run.workload.writePause(Duration.ofMillis(1500));
      Duration window = run.scale.outage().compareTo(Duration.ofSeconds(8)) > 0 ? run.scale.outage() : Duration.ofSeconds(8);
      FaultRun.sleep(window.compareTo(Duration.ofSeconds(20)) > 0 ? Duration.ofSeconds(20) : window);
      run.workload.writePause(Duration.ZERO);
      run.proxy.latency(Duration.ZERO);
      run.healed(System.nanoTime());
    }
  },
  /** etcd (one member) is down for the outage while reads and watches go on, then restarted. */
  ETCD_DOWN(1, false) {
    @Override
    void inject(FaultRun run) throws Exception {
      run.cluster.member(0).kill();
      FaultRun.sleep(run.scale.outage());
      run.cluster.member(0).restart();
      run.healed(System.nanoTime());
    }
  },
  /**
   * While the cache is cut off, writes go on and etcd compacts at its current revision; then the
   * connection is cut and passes again. A watcher opened afterwards below the compaction must get
   * the compaction error.
   */
  COMPACTION_WHILE_DISCONNECTED(1, true) {
    @Override
    void inject(FaultRun run) throws Exception {
      run.proxy.stall();
      FaultRun.sleep(run.scale.outage().dividedBy(2));
      long compactAt = run.currentRevision();
      run.logBeforeCompaction.addAll(EtcdLogReader.read(run.direct, Workload.PREFIX, run.startRevision, compactAt));
      run.cluster.compact(compactAt);
      run.compactRevision = compactAt;
      FaultRun.sleep(Duration.ofMillis(500));
      run.proxy.cutAll();
      run.proxy.pass();
      run.healed(System.nanoTime());
      run.mustEndCompacted.add(run.workload.watch(run.cache(), 1, Workload.PREFIX, run.startRevision + 1, null, 0));
    }
  },
  /** Writers switch to txns of 100 puts (one revision each) for the outage's length (at most 5 s). */
  BURSTY_WRITES(1, false) {
    @Override
    void inject(FaultRun run) throws Exception {
      run.workload.bursty(true);
      // Bounded: 100 events per revision to every watcher add up fast (memory of the history).
      FaultRun.sleep(run.scale.outage().compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : run.scale.outage());
      run.workload.bursty(false);
      run.healed(System.nanoTime());
    }
  },
  /** Watchers whose listener is slow (20 ms per response) for the outage, and one that throws every third response. */
  SLOW_AND_THROWING_LISTENERS(1, false) {
    @Override
    void inject(FaultRun run) throws Exception {
      slowAndThrowingListeners(run);
    }
  },
  /**
   * The same slow and throwing listeners with a cache history of 200 events: slow watchers fall off
   * it and must catch up (etcd still has every revision), never end with a compaction etcd did not make.
   */
  SLOW_LISTENERS_SMALL_HISTORY(1, false) {
    @Override
    void inject(FaultRun run) throws Exception {
      slowAndThrowingListeners(run);
    }

    @Override
    void configure(CachingClient.Builder builder) {
      builder.historyEvents(200);
    }
  },
  /**
   * The cache bootstraps over values of 1.5 MiB (more than jetcd's 4 MiB message limit in all), and
   * a second cache bootstraps mid-run under load, with its own readers and watchers.
   */
  BOOTSTRAP_LARGE_VALUES(1, false) {
    @Override
    String[] etcdArgs() {
      return new String[] {"--max-request-bytes=" + 2 * 1024 * 1024}; // etcd's default (1.5 MiB) refuses such a put
    }

    @Override
    void prepare(FaultRun run) throws Exception {
      byte[] big = new byte[1536 * 1024];
      for (int i = 0; i < 5; i++) {
        java.util.Arrays.fill(big, (byte) ('a' + i));
        run.direct.getKVClient().put(Workload.bytes(Workload.PREFIX + "big/" + i), io.etcd.jetcd.ByteSequence.from(big))
            .get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    }

    @Override
    void inject(FaultRun run) throws Exception {
      Client client = run.newClient();
      long started = System.nanoTime();
      CachingClient second = run.newCache(client);
      if (!second.awaitReady(Duration.ofMinutes(2))) {
        throw new AssertionError("a second cache did not bootstrap within 2 min: " + second.status());
      }
      run.recoveryNanos.add(System.nanoTime() - started);
      run.passedThroughDuringFault = run.cache().stats().passedThrough() + second.stats().passedThrough();
      long current = run.currentRevision();
      run.workload.startReaders(second, 2, run.deadlineNanos);
      run.workload.watch(second, 2, Workload.PREFIX, run.startRevision + 1, null, 0);
      run.workload.watch(second, 2, Workload.PREFIX, current + 1, null, 0);
    }
  };

  final int members;
  final boolean proxy;

  Fault(int members, boolean proxy) {
    this.members = members;
    this.proxy = proxy;
  }

  /** The endpoints of the cache's jetcd client: the proxy if the fault has one, else every member. */
  java.net.URI[] cacheEndpoints(FaultRun run) {
    return run.proxy != null ? new java.net.URI[] {run.proxy.endpoint()} : new java.net.URI[0];
  }

  /** Whether the fault's cluster runs its members in network namespaces (for peer partitions). */
  boolean networkNamespaces() {
    return false;
  }

  /** The endpoints of the writers' (and the test's own) jetcd client; empty: every member. */
  java.net.URI[] directEndpoints(dev.etcdcache.testing.EtcdCluster cluster) {
    return new java.net.URI[0];
  }

  /** Adjusts the cache under test (default: nothing beyond the run's fast-failover settings). */
  void configure(CachingClient.Builder builder) {}

  private static void slowAndThrowingListeners(FaultRun run) throws Exception {
    AtomicBoolean slow = new AtomicBoolean(true);
    Runnable delay = () -> {
      if (slow.get()) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    long current = run.currentRevision();
    for (int i = 0; i < 3; i++) {
      run.workload.watch(run.cache(), 1, Workload.PREFIX, current + 1 - 10L * i, delay, 0);
    }
    run.workload.watch(run.cache(), 1, Workload.PREFIX, current + 1, null, 3);
    run.workload.watch(run.cache(), 1, Workload.PREFIX + "w0/", current - 5, delay, 2);
    FaultRun.sleep(run.scale.outage());
    slow.set(false);
    run.healed(System.nanoTime());
  }

  /** Extra etcd flags for this fault's cluster. */
  String[] etcdArgs() {
    return new String[0];
  }

  /** Runs before the cache is built and the start revision taken. */
  void prepare(FaultRun run) throws Exception {}

  /** Injects the fault into the running workload; returns when it has healed. */
  abstract void inject(FaultRun run) throws Exception;
}
