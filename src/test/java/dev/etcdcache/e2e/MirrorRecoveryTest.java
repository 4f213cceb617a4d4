package dev.etcdcache.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real faults: etcd killed and restarted, connections cut by a proxy, a compaction while the
 * mirror is cut off, a partition during a linearizable read. After each, the mirror must hold
 * exactly what etcd holds (every key's value, create/mod revision, version and lease), and no read
 * may have been answered stale.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MirrorRecoveryTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().withProxy().build();

  private static final GetOption EVERYTHING = GetOption.builder().withRange(bytes("\0")).withSerializable(true).build();

  @Test
  void etcdKilledAndRestarted_mirrorCatchesUpExactly() throws Exception {
    try (CachingClient cache = fastFailover(ETCD.client())) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      write("kill/before/", 50);
      ETCD.kill(0);
      ETCD.restart(0);
      write("kill/after/", 50);
      assertSameAsEtcd(cache);
      assertThat(cache.status().reconnects()).isPositive();
    }
  }

  @Test
  void connectionsCutRepeatedly_mirrorReconnectsAndCatchesUpExactly() throws Exception {
    try (Client proxied = ETCD.proxiedClient(); CachingClient cache = fastFailover(proxied)) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      for (int round = 0; round < 5; round++) {
        write("cut/" + round + "/", 20);
        ETCD.proxy().cutAll();
      }
      write("cut/end/", 5);
      assertSameAsEtcd(cache);
      assertThat(cache.status().reconnects()).isPositive();
    }
  }

  @Test
  void compactionWhileCutOff_mirrorRelistsAndCatchesUpExactly() throws Exception {
    try (Client proxied = ETCD.proxiedClient(); CachingClient cache = fastFailover(proxied)) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      write("compact/before/", 10);
      awaitApplied(cache, currentRevision());
      ETCD.proxy().stall();
      try {
        write("compact/during/", 30);
        ETCD.client().getKVClient().delete(bytes("compact/before/0")).get();
        ETCD.compact(currentRevision());
        ETCD.proxy().cutAll();
      } finally {
        ETCD.proxy().pass();
      }
      assertSameAsEtcd(cache);
      assertThat(cache.status().relists()).isPositive();
    }
  }

  @Test
  void partitionDuringLinearizableRead_readNeverReturnsStaleValue() throws Exception {
    partitionDuringLinearizableRead(false);
  }

  @Test
  void partitionDuringLinearizableRead_prefixMirror_readNeverReturnsStaleValue() throws Exception {
    // A prefix mirror moves on progress notifications, which etcd 3.4.23 may send before the events.
    partitionDuringLinearizableRead(true);
  }

  private void partitionDuringLinearizableRead(boolean prefixMirror) throws Exception {
    KV direct = ETCD.client().getKVClient();
    direct.put(bytes("part/key"), bytes("old")).get();
    try (Client proxied = ETCD.proxiedClient();
        CachingClient cache = prefixMirror ? fastFailover(proxied, bytes("part/")) : fastFailover(proxied)) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      awaitApplied(cache, currentRevision());
      ETCD.proxy().stall();
      CompletableFuture<GetResponse> read;
      try {
        long written = direct.put(bytes("part/key"), bytes("new")).get().getHeader().getRevision();
        System.out.println("partition: wrote new at " + written + ", mirror " + cache.status());
        // Serializable reads keep serving what the mirror has, as an etcd follower would.
        GetResponse serializable = cache.getKVClient()
            .get(bytes("part/key"), GetOption.builder().withSerializable(true).build()).get(10, TimeUnit.SECONDS);
        assertThat(serializable.getKvs().get(0).getValue()).isEqualTo(bytes("old"));
        read = cache.getKVClient().get(bytes("part/key"));
        Thread.sleep(1500);
      } finally {
        ETCD.proxy().pass();
      }
      GetResponse linearizable = read.get(60, TimeUnit.SECONDS);
      var reads = cache.stats();
      System.out.printf("partition: read header %d, memory %d, probes %d, pass %d, fallbacks %d, %s%n",
          linearizable.getHeader().getRevision(), reads.servedFromMemory(), reads.probeRpcs(), reads.passThroughRpcs(),
          reads.passedThroughTimeout(), cache.status());
      assertThat(linearizable.getKvs().get(0).getValue()).isEqualTo(bytes("new"));
    }
  }

  private static CachingClient fastFailover(Client client, ByteSequence... prefixes) {
    CachingClient.Builder builder = CachingClient.builder(client)
        .progressInterval(Duration.ofMillis(500))
        .stallTimeout(Duration.ofSeconds(3));
    if (prefixes.length > 0) {
      builder.prefixes(prefixes);
    }
    return builder.build();
  }

  private static void write(String prefix, int keys) throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (int i = 0; i < keys; i++) {
      kv.put(bytes(prefix + i), bytes("value-" + i)).get(30, TimeUnit.SECONDS);
      if (i % 3 == 0) {
        kv.put(bytes(prefix + i), bytes("again-" + i)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static long currentRevision() throws Exception {
    return ETCD.client().getKVClient().get(bytes("\0"), GetOption.builder().withCountOnly(true).build())
        .get(30, TimeUnit.SECONDS).getHeader().getRevision();
  }

  private static void awaitApplied(CachingClient cache, long revision) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (cache.status().appliedRevision() < revision) {
      assertThat(System.nanoTime()).as("mirror stuck below %d: %s", revision, cache.status()).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static void assertSameAsEtcd(CachingClient cache) throws Exception {
    long revision = currentRevision();
    awaitApplied(cache, revision);
    GetResponse expected = ETCD.client().getKVClient().get(bytes("\0"), EVERYTHING).get(30, TimeUnit.SECONDS);
    GetResponse actual = cache.getKVClient().get(bytes("\0"), EVERYTHING).get(30, TimeUnit.SECONDS);
    assertThat(describe(actual)).isEqualTo(describe(expected));
    assertThat(actual.getHeader().getRevision()).isEqualTo(revision);
  }

  private static List<String> describe(GetResponse r) {
    return r.getKvs().stream().map(kv -> kv.getKey() + "=" + kv.getValue() + " c=" + kv.getCreateRevision()
        + " m=" + kv.getModRevision() + " v=" + kv.getVersion() + " l=" + kv.getLease()).toList();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
