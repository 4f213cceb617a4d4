package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CachingKVTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private CachingClient cache;
  private KV direct;

  @BeforeEach
  void start() throws Exception {
    direct = ETCD.client().getKVClient();
    direct.delete(bytes("t/"), io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build()).get();
    cache = CachingClient.builder(ETCD.client()).build();
    assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
  }

  @AfterEach
  void stop() {
    cache.close();
  }

  @Test
  void get_afterWriteByAnotherClient_linearizableReadSeesIt() throws Exception {
    for (int i = 0; i < 50; i++) {
      direct.put(bytes("t/lin"), bytes("v" + i)).get();
      GetResponse r = cache.getKVClient().get(bytes("t/lin")).get();
      assertThat(r.getKvs()).hasSize(1);
      assertThat(r.getKvs().get(0).getValue()).isEqualTo(bytes("v" + i));
    }
    assertThat(cache.stats().servedFromMemory()).isGreaterThanOrEqualTo(50);
  }

  @Test
  void get_afterOwnWrite_serializableReadSeesIt() throws Exception {
    KV kv = cache.getKVClient();
    for (int i = 0; i < 50; i++) {
      kv.put(bytes("t/ryw"), bytes("v" + i)).get();
      GetResponse r = kv.get(bytes("t/ryw"), GetOption.builder().withSerializable(true).build()).get();
      assertThat(r.getKvs()).hasSize(1);
      assertThat(r.getKvs().get(0).getValue()).isEqualTo(bytes("v" + i));
    }
  }

  @Test
  void get_atCompactedRevision_failsLikeEtcd() throws Exception {
    long first = direct.put(bytes("t/c"), bytes("1")).get().getHeader().getRevision();
    long second = direct.put(bytes("t/c"), bytes("2")).get().getHeader().getRevision();
    ETCD.compact(second);
    GetOption atFirst = GetOption.builder().withRevision(first).build();
    Throwable expected = failureOf(direct, atFirst);
    Throwable actual = failureOf(cache.getKVClient(), atFirst);
    assertThat(actual).isInstanceOf(StatusRuntimeException.class);
    assertThat(actual.getClass()).isEqualTo(expected.getClass());
    assertThat(actual.getMessage())
        .isEqualTo(expected.getMessage())
        .isEqualTo("OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted");
  }

  @Test
  void get_atFutureRevision_failsLikeEtcd() throws Exception {
    long rev = direct.put(bytes("t/f"), bytes("1")).get().getHeader().getRevision();
    GetOption future = GetOption.builder().withRevision(rev + 1000).build();
    assertThat(failureOf(cache.getKVClient(), future).getMessage())
        .isEqualTo(failureOf(direct, future).getMessage())
        .isEqualTo("OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void get_emptyKeyWithPrefix_failsLikeEtcd() throws Exception {
    GetOption prefix = GetOption.builder().isPrefix(true).build();
    assertThat(failureOf(cache.getKVClient(), ByteSequence.EMPTY, prefix).getMessage())
        .isEqualTo(failureOf(direct, ByteSequence.EMPTY, prefix).getMessage())
        .isEqualTo("INVALID_ARGUMENT: etcdserver: key is not provided");
  }

  @Test
  void get_atRecentRevision_servedFromMemoryWithCurrentHeader() throws Exception {
    long first = direct.put(bytes("t/r"), bytes("old")).get().getHeader().getRevision();
    long last = direct.put(bytes("t/r"), bytes("new")).get().getHeader().getRevision();
    GetOption atFirst = GetOption.builder().withRevision(first).build();
    GetResponse expected = direct.get(bytes("t/r"), atFirst).get();
    long before = cache.stats().servedFromMemory();
    GetResponse actual = cache.getKVClient().get(bytes("t/r"), atFirst).get();
    assertThat(kvs(actual)).isEqualTo(kvs(expected));
    assertThat(actual.getKvs().get(0).getValue()).isEqualTo(bytes("old"));
    assertThat(actual.getHeader().getRevision()).isEqualTo(last);
    assertThat(cache.stats().servedFromMemory()).isEqualTo(before + 1);
  }

  @Test
  void bootstrap_withTinyPages_readsEveryKeyAtOneRevision() throws Exception {
    for (int i = 0; i < 300; i++) {
      direct.put(bytes(String.format("t/page/%04d", i)), bytes("x".repeat(i % 50))).get();
    }
    try (CachingClient paged = CachingClient.builder(ETCD.client()).pageBytes(1024).build()) {
      assertThat(paged.awaitReady(Duration.ofSeconds(30))).isTrue();
      GetOption all = GetOption.builder().isPrefix(true).withSerializable(true).build();
      GetResponse expected = direct.get(bytes("t/page/"), all).get();
      GetResponse actual = paged.getKVClient().get(bytes("t/page/"), all).get();
      assertThat(kvs(actual)).isEqualTo(kvs(expected));
      assertThat(actual.getCount()).isEqualTo(300);
    }
  }

  @Test
  void bootstrap_withTinyPagesOverUnevenBinaryKeys_readsEveryKeyOnce() throws Exception {
    // Sub-ranged pages must tile the keyspace whatever the keys look like: dense and sparse
    // stretches, 0xff bytes, keys that are prefixes of others, lengths from 1 to 60 bytes.
    Random random = new Random(11);
    List<CompletableFuture<?>> puts = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      byte[] suffix = new byte[1 + random.nextInt(i < 400 ? 3 : 60)];
      random.nextBytes(suffix);
      if (i % 50 == 0) {
        Arrays.fill(suffix, (byte) 0xff);
      }
      byte[] key = Arrays.copyOf(bytes("t/uneven/").getBytes(), 9 + suffix.length);
      System.arraycopy(suffix, 0, key, 9, suffix.length);
      puts.add(direct.put(ByteSequence.from(key), bytes("v".repeat(i % 40))));
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get();
    try (CachingClient paged = CachingClient.builder(ETCD.client()).pageBytes(1024).build()) {
      assertThat(paged.awaitReady(Duration.ofSeconds(30))).isTrue();
      GetOption all = GetOption.builder().isPrefix(true).withSerializable(true).build();
      GetResponse expected = direct.get(bytes("t/uneven/"), all).get();
      GetResponse actual = paged.getKVClient().get(bytes("t/uneven/"), all).get();
      assertThat(kvs(actual)).isEqualTo(kvs(expected));
      assertThat(actual.getCount()).isEqualTo(expected.getCount()).isGreaterThan(500);
    }
  }

  @Test
  void get_outsideMirroredPrefixes_goesToEtcd() throws Exception {
    direct.put(bytes("t/in/a"), bytes("1")).get();
    direct.put(bytes("t/out/a"), bytes("2")).get();
    try (CachingClient prefixed = CachingClient.builder(ETCD.client()).prefixes(bytes("t/in/")).build()) {
      assertThat(prefixed.awaitReady(Duration.ofSeconds(30))).isTrue();
      KV kv = prefixed.getKVClient();
      assertThat(kv.get(bytes("t/out/a")).get().getKvs()).hasSize(1);
      assertThat(prefixed.stats().passThroughRpcs()).isEqualTo(1);
      assertThat(kv.get(bytes("t/in/a")).get().getKvs()).hasSize(1);
      assertThat(prefixed.stats().servedFromMemory()).isEqualTo(1);
    }
  }

  @Test
  void get_prefixMirror_linearizableReadAfterUnrelatedWritesIsServedFromMemory() throws Exception {
    // A consistent-read wait far above any slow machine's: this proves where the answer comes from,
    // and the default 3 s fallback to etcd is a speed bar a loaded machine can miss.
    try (CachingClient prefixed = CachingClient.builder(ETCD.client()).prefixes(bytes("t/p/"))
        .consistentReadTimeout(Duration.ofSeconds(60)).build()) {
      assertThat(prefixed.awaitReady(Duration.ofSeconds(30))).isTrue();
      direct.put(bytes("t/p/x"), bytes("1")).get();
      // Revisions outside the prefix bring no events: progress notifications must carry the mirror.
      direct.put(bytes("t/elsewhere"), bytes("1")).get();
      GetResponse r = prefixed.getKVClient().get(bytes("t/p/x")).get(90, TimeUnit.SECONDS);
      assertThat(r.getKvs()).hasSize(1);
      assertThat(prefixed.stats().passedThroughTimeout()).isZero();
      assertThat(prefixed.stats().servedFromMemory()).isEqualTo(1);
    }
  }

  @Test
  void get_boundedStaleness_servedAtOnceWhenRecentlyConfirmed() throws Exception {
    direct.put(bytes("t/b"), bytes("1")).get();
    KV kv = cache.getKVClient();
    kv.get(bytes("t/b")).get(); // a linearizable read confirms the mirror is current
    long probes = cache.stats().probeRpcs();
    GetResponse r = cache.getKVClient()
        .get(bytes("t/b"), GetOption.DEFAULT, ReadConsistency.maxStaleness(Duration.ofMinutes(5))).get();
    assertThat(r.getKvs()).hasSize(1);
    assertThat(cache.stats().probeRpcs()).isEqualTo(probes);
  }

  @Test
  void get_throughNamespacedClient_matchesEtcd() throws Exception {
    direct.put(bytes("t/ns/a"), bytes("1")).get();
    direct.put(bytes("t/ns/b"), bytes("2")).get();
    try (Client namespaced = ETCD.cluster().clientBuilder().namespace(bytes("t/ns/")).build();
        CachingClient cached = CachingClient.builder(namespaced).build()) {
      assertThat(cached.awaitReady(Duration.ofSeconds(30))).isTrue();
      GetOption from = GetOption.builder().withRange(bytes("\0")).build();
      GetResponse expected = namespaced.getKVClient().get(bytes("a"), from).get();
      GetResponse actual = cached.getKVClient().get(bytes("a"), from).get();
      assertThat(kvs(actual)).isEqualTo(kvs(expected)).hasSize(2);
      assertThat(actual.getKvs().get(0).getKey()).isEqualTo(bytes("a"));
    }
  }

  @Test
  void close_thenGet_failsWithCacheClosed() throws Exception {
    cache.close();
    assertThatThrownBy(() -> cache.getKVClient().get(bytes("t/x")).get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(dev.etcdcache.api.CacheClosedException.class);
  }

  private static Throwable failureOf(KV kv, GetOption option) {
    return failureOf(kv, bytes("t/c"), option);
  }

  private static Throwable failureOf(KV kv, ByteSequence key, GetOption option) {
    try {
      kv.get(key, option).get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** jetcd's KeyValue has no equals: compare every field. */
  private static java.util.List<String> kvs(GetResponse r) {
    return r.getKvs().stream().map(kv -> kv.getKey() + "=" + kv.getValue() + " c=" + kv.getCreateRevision()
        + " m=" + kv.getModRevision() + " v=" + kv.getVersion() + " l=" + kv.getLease()).toList();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
