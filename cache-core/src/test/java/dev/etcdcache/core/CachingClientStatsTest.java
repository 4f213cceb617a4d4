package dev.etcdcache.core;

import dev.etcdcache.core.stats.StatsRecorder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.CacheStats;
import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CachingClientStatsTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  private KV direct;

  @BeforeEach
  void clean() throws Exception {
    direct = ETCD.client().getKVClient();
    direct.delete(bytes("s/"), DeleteOption.builder().isPrefix(true).build()).get();
    direct.delete(bytes("other/"), DeleteOption.builder().isPrefix(true).build()).get();
  }

  @Test
  void stats_getsOutsidePrefixesAndBeforeTheSnapshot_countedByReason() throws Exception {
    long old = direct.put(bytes("s/a"), bytes("1")).get().getHeader().getRevision();
    direct.put(bytes("s/a"), bytes("2")).get();
    direct.put(bytes("other/x"), bytes("1")).get();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("s/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      CacheStats before = cache.stats();
      CachingKV kv = cache.getKVClient();
      assertThat(kv.get(bytes("other/x")).get().getKvs()).hasSize(1);
      assertThat(kv.get(bytes("s/a"), GetOption.builder().withRevision(old).build()).get().getKvs().get(0).getValue())
          .isEqualTo(bytes("1"));
      assertThat(kv.get(bytes("s/a"), GetOption.DEFAULT, ReadConsistency.maxStaleness(Duration.ofMinutes(5))).get()
          .getKvs()).hasSize(1);
      CacheStats d = cache.stats().minus(before);
      assertThat(d.linearizableGets()).isEqualTo(1);
      assertThat(d.atRevisionGets()).isEqualTo(1);
      assertThat(d.boundedStalenessGets()).isEqualTo(1);
      assertThat(d.passedThroughNotCovered()).isEqualTo(1);
      // The bootstrap read at a later revision: the mirror never held the old one.
      assertThat(d.passedThroughRevisionNotHeld()).isEqualTo(1);
      assertThat(d.passThroughRpcs()).isEqualTo(2);
      assertThat(d.servedFromMemory()).isEqualTo(1);
      assertThat(d.passedThrough()).isEqualTo(2);
      assertThat(cache.stats().entries()).isEqualTo(1);
    }
  }

  @Test
  void stats_disabledRecorder_countsNothingButReportsGauges() throws Exception {
    direct.put(bytes("s/a"), bytes("1")).get();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("s/"))
        .statsRecorder(StatsRecorder.disabled()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      double ranges = etcdRanges();
      for (int i = 0; i < 5; i++) {
        assertThat(cache.getKVClient().get(bytes("s/a"), SERIALIZABLE).get().getKvs()).hasSize(1);
      }
      // Still served from memory: etcd saw no Range for them.
      assertThat(etcdRanges()).isEqualTo(ranges);
      CacheStats stats = cache.stats();
      assertThat(stats.serializableGets()).isZero();
      assertThat(stats.servedFromMemory()).isZero();
      assertThat(stats.bootstrapRpcs()).isZero();
      assertThat(stats.entries()).isEqualTo(1);
      assertThat(stats.estimatedBytes()).isEqualTo("s/a".length() + 1 + dev.etcdcache.api.CacheStats.ENTRY_OVERHEAD_BYTES);
    }
  }

  @Test
  void stats_throwingRecorder_readsAndMirrorUnaffected() throws Exception {
    StatsRecorder throwing = (StatsRecorder) Proxy.newProxyInstance(StatsRecorder.class.getClassLoader(),
        new Class<?>[] {StatsRecorder.class}, (proxy, method, args) -> {
          if (method.getName().equals("toString")) {
            return "throwing recorder";
          }
          throw new IllegalStateException("recorder broken");
        });
    direct.put(bytes("s/a"), bytes("1")).get();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("s/"))
        .statsRecorder(throwing).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      direct.put(bytes("s/b"), bytes("2")).get();
      assertThat(cache.getKVClient().get(bytes("s/b")).get().getKvs()).hasSize(1);
      assertThat(cache.getKVClient().get(bytes("s/a"), SERIALIZABLE).get().getKvs()).hasSize(1);
      CacheStats stats = cache.stats();
      assertThat(stats.gets()).isZero();
      assertThat(stats.entries()).isEqualTo(2);
    }
  }

  @Test
  void stats_viewAdapterFailsToDecode_countedAsDecodeFailure() throws Exception {
    direct.put(bytes("s/good"), bytes("1")).get();
    direct.put(bytes("s/bad"), bytes("not a number")).get();
    Adapter<Integer> numbers = new Adapter<>() {
      @Override
      public Integer decode(byte[] key, byte[] value) {
        return Integer.valueOf(new String(value, StandardCharsets.UTF_8));
      }

      @Override
      public byte[] encode(Integer object) {
        return object.toString().getBytes(StandardCharsets.UTF_8);
      }
    };
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("s/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      try (var view = cache.view("s/", numbers)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (cache.stats().adapterDecodeFailures() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(cache.stats().adapterDecodeFailures()).isEqualTo(1);
      }
    }
  }

  @Test
  void builder_statsRecorderSetTwice_throws() {
    CachingClient.Builder builder = CachingClient.builder(ETCD.client()).statsRecorder(StatsRecorder.concurrent());
    assertThatThrownBy(() -> builder.statsRecorder(StatsRecorder.disabled()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("statsRecorder");
  }


  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static double etcdRanges() {
    return ETCD.metrics(0).value("grpc_server_handled_total",
        java.util.Map.of("grpc_method", "Range", "grpc_code", "OK"));
  }
}
