package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one consistency check costs next to the full Range it replaces (reported, never asserted:
 * speed belongs in benchmarks): wall time, etcd CPU (etcd's own {@code process_cpu_seconds_total})
 * and bytes, over {@code -Dcheck.cost.keys} keys (20,000 in CI) with 100-byte values. What it
 * asserts is that the check compared every key and found them equal.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ConsistencyCheckCostTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  @Test
  void checkCost_againstAFullRange_reported() throws Exception {
    int keys = Integer.getInteger("check.cost.keys", 20_000);
    KV kv = ETCD.client().getKVClient();
    Semaphore inFlight = new Semaphore(16);
    byte[] value = new byte[100];
    Arrays.fill(value, (byte) 'x');
    // Written in transactions of 100 puts, so that a million keys load in about a minute.
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < keys; i += 100) {
      Op[] puts = new Op[Math.min(100, keys - i)];
      for (int j = 0; j < puts.length; j++) {
        puts[j] = Op.put(bytes(String.format("cost/%08d", i + j)), ByteSequence.from(value), PutOption.DEFAULT);
      }
      inFlight.acquire();
      writes.add(kv.txn().Then(puts).commit().whenComplete((r, e) -> inFlight.release()));
    }
    for (CompletableFuture<?> w : writes) {
      w.get(60, TimeUnit.SECONDS);
    }

    // The full Range needs a client that accepts one answer of every key (jetcd's default is 4 MiB).
    try (Client big = ETCD.cluster().clientBuilder().maxInboundMessageSize(Integer.MAX_VALUE).build();
        CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("cost/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(300))).isTrue();
      long[] checkNanos = new long[3];
      double[] checkCpu = new double[3];
      long[] rangeNanos = new long[3];
      double[] rangeCpu = new double[3];
      ConsistencyReport report = null;
      long rangeBytes = 0;
      for (int run = 0; run < 3; run++) {
        double cpu = cpu();
        report = cache.checkConsistency().get(5, TimeUnit.MINUTES);
        checkCpu[run] = cpu() - cpu;
        checkNanos[run] = report.lastNanos();
        assertThat(report.lastOutcome()).isEqualTo("CONSISTENT");
        assertThat(report.lastKeys()).isEqualTo(keys);

        cpu = cpu();
        long started = System.nanoTime();
        GetResponse all = big.getKVClient().get(bytes("cost/"), GetOption.builder().isPrefix(true).build()).get(5, TimeUnit.MINUTES);
        rangeNanos[run] = System.nanoTime() - started;
        rangeCpu[run] = cpu() - cpu;
        assertThat(all.getKvs()).hasSize(keys);
        rangeBytes = 0;
        for (KeyValue e : all.getKvs()) {
          rangeBytes += 2 + e.getKey().size() + 2 + e.getValue().size() + 4 * 5;
        }
      }
      Arrays.sort(checkNanos);
      Arrays.sort(rangeNanos);
      Arrays.sort(checkCpu);
      Arrays.sort(rangeCpu);
      System.out.printf("check cost at %d keys (median of 3): check %.1f ms, etcd CPU %.3f s, %d B in %s; "
          + "full Range %.1f ms, etcd CPU %.3f s, ~%d B%n", keys, checkNanos[1] / 1e6, checkCpu[1], report.lastBytes(),
          "pages of 5,000 keys", rangeNanos[1] / 1e6, rangeCpu[1], rangeBytes);
    }
  }

  private static double cpu() {
    return ETCD.metrics(0).value("process_cpu_seconds_total");
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
