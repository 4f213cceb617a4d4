package dev.etcdcache.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Linearizability of reads through the cache, and the etcd load it takes: concurrent writers go
 * straight to etcd while readers read through {@code CachingKV}; every read must observe every write
 * that completed before the read started. Then 10,000 linearizable Gets from 64 callers are counted
 * in etcd's own Range RPC metric.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LinearizableReadTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final int KEYS = 8;

  @Test
  void concurrentWritersAndReaders_everyReadObservesEveryEarlierCompletedWrite() throws Exception {
    KV etcd = ETCD.client().getKVClient();
    // Per key: the highest revision whose write had completed.
    Map<Integer, AtomicLong> completed = new ConcurrentHashMap<>();
    for (int k = 0; k < KEYS; k++) {
      long rev = etcd.put(key(k), ByteSequence.from(new byte[] {0})).get().getHeader().getRevision();
      completed.put(k, new AtomicLong(rev));
    }
    AtomicInteger violations = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    List<String> examples = new ArrayList<>();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      KV cached = cache.getKVClient();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int writer = w;
        threads.add(started(() -> {
          int i = 0;
          while (System.nanoTime() < deadline) {
            int k = (writer + 2 * i++) % KEYS;
            try {
              long rev = etcd.put(key(k), ByteSequence.from(new byte[] {(byte) i})).get().getHeader().getRevision();
              completed.get(k).accumulateAndGet(rev, Math::max);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        }));
      }
      for (int r = 0; r < 4; r++) {
        int reader = r;
        threads.add(started(() -> {
          int i = 0;
          while (System.nanoTime() < deadline) {
            int k = (reader + i++) % KEYS;
            long mustSee = completed.get(k).get();
            try {
              GetResponse response = cached.get(key(k)).get(30, TimeUnit.SECONDS);
              long seen = response.getKvs().get(0).getModRevision();
              reads.incrementAndGet();
              if (seen < mustSee) {
                violations.incrementAndGet();
                synchronized (examples) {
                  examples.add("key " + k + ": read mod revision " + seen + " after write at " + mustSee);
                }
              }
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        }));
      }
      for (Thread t : threads) {
        t.join();
      }
      System.out.printf("linearizability: %d reads, %d from memory, %d probes, %d fallbacks%n", reads.get(),
          cache.stats().servedFromMemory(),
          cache.stats().probeRpcs(), cache.stats().passedThroughTimeout());
    }
    assertThat(reads.get()).isPositive();
    assertThat(violations.get()).as("stale reads: %s", examples).isZero();
  }

  @Test
  void tenThousandLinearizableGetsFrom64Callers_reachEtcdWithFewRangeRpcs() throws Exception {
    KV etcd = ETCD.client().getKVClient();
    for (int k = 0; k < 100; k++) {
      etcd.put(key(k), ByteSequence.from("value-" + k, StandardCharsets.UTF_8)).get();
    }
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      double linearizable = rangeRpcsDuring(() -> runGets(cache.getKVClient(), GetOption.DEFAULT));
      double serializable = rangeRpcsDuring(() ->
          runGets(cache.getKVClient(), GetOption.builder().withSerializable(true).build()));
      System.out.printf("10,000 Gets from 64 callers: %.0f Range RPCs linearizable, %.0f serializable%n",
          linearizable, serializable);
      assertThat(linearizable).isLessThanOrEqualTo(200);
      assertThat(serializable).isZero();
    }
  }

  /** 64 caller threads, each issuing its next Get when the previous one answered. */
  private static void runGets(KV kv, GetOption option) {
    AtomicInteger remaining = new AtomicInteger(10_000);
    AtomicInteger failures = new AtomicInteger();
    List<Thread> callers = new ArrayList<>();
    for (int c = 0; c < 64; c++) {
      ByteSequence key = key(c % 100);
      callers.add(started(() -> {
        while (remaining.getAndDecrement() > 0) {
          try {
            if (kv.get(key, option).get(60, TimeUnit.SECONDS).getKvs().isEmpty()) {
              failures.incrementAndGet();
            }
          } catch (Exception e) {
            failures.incrementAndGet();
          }
        }
      }));
    }
    for (Thread t : callers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    assertThat(failures.get()).isZero();
  }

  private static double rangeRpcsDuring(Runnable work) {
    double before = ETCD.metrics(0).value("grpc_server_handled_total", Map.of("grpc_method", "Range"));
    work.run();
    double after = ETCD.metrics(0).value("grpc_server_handled_total", Map.of("grpc_method", "Range"));
    return after - before;
  }

  private static Thread started(Runnable body) {
    Thread t = new Thread(body);
    t.start();
    return t;
  }

  private static ByteSequence key(int k) {
    return ByteSequence.from("lin/key-" + k, StandardCharsets.UTF_8);
  }
}
