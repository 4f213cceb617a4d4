package dev.etcdcache.core;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On-demand prefixes: the first read of a prefix is answered by etcd and starts its one bootstrap,
 * later reads come from memory; writes during a bootstrap are not lost; under the budget the least
 * recently read prefix is dropped; a read at a revision before a prefix came in (or after it left)
 * gets etcd's answer; watchers of the prefixes get every event exactly once whatever is dropped.
 * etcd is the oracle throughout.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class OnDemandPrefixesTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();
  private static final GetOption PREFIX_SERIALIZABLE = GetOption.builder().isPrefix(true).withSerializable(true)
      .build();

  @Test
  void firstRead_withoutWaiting_passesToEtcdAndStartsABootstrap_laterReadsServedFromMemory() throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (int i = 0; i < 30; i++) {
      kv.put(key("f/a/", i), bytes("a" + i)).get();
      kv.put(key("f/b/", i), bytes("b" + i)).get();
    }
    try (CachingClient cache = onDemand("f/").onDemandWait(Duration.ZERO).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThat(cache.memory().entries()).isZero(); // nothing listed at start
      assertSameAsEtcd(cache, "f/a/");
      assertThat(cache.onDemand().passes()).isPositive();
      await(() -> cache.onDemand().mirroredPrefixes() == 1);
      assertThat(cache.onDemand().bootstraps()).isEqualTo(1);
      double rangesBefore = etcdRanges();
      long hitsBefore = cache.onDemand().hits();
      for (int i = 0; i < 20; i++) {
        GetResponse r = cache.getKVClient().get(bytes("f/a/"), PREFIX_SERIALIZABLE).get(30, TimeUnit.SECONDS);
        assertThat(r.getKvs()).hasSize(30);
      }
      assertThat(cache.onDemand().hits() - hitsBefore).isEqualTo(20);
      // 20 reads cost etcd no Range (the cache's own idle freshness probe may send one).
      assertThat(etcdRanges() - rangesBefore).isLessThanOrEqualTo(1);
      assertThat(cache.memory().entries()).isEqualTo(30); // only f/a/ is held
      // A single key of a mirrored prefix, and one of another prefix (passes, starts its bootstrap).
      assertSameAsEtcd(cache, key("f/a/", 3), GetOption.DEFAULT);
      assertSameAsEtcd(cache, key("f/b/", 3), GetOption.DEFAULT);
      await(() -> cache.onDemand().mirroredPrefixes() == 2);
      // A read spanning both prefixes, or the parent itself, goes to etcd.
      long passes = cache.onDemand().passes();
      long served = cache.onDemand().hits();
      assertSameAsEtcd(cache, bytes("f/"), PREFIX);
      assertThat(cache.onDemand().hits()).isEqualTo(served);
      assertThat(cache.onDemand().passes()).isEqualTo(passes); // not a prefix's read: no prefix counter
      // Writes after the bootstrap are applied from the shared upstream watch.
      kv.put(key("f/a/", 100), bytes("new")).get();
      kv.delete(key("f/a/", 0)).get();
      assertSameAsEtcd(cache, bytes("f/a/"), PREFIX);
      assertThat(cache.onDemand().hits()).isGreaterThan(served);
    }
  }

  @Test
  void firstRead_waitsForTheBootstrap_andIsServedFromMemory() throws Exception {
    KV kv = ETCD.client().getKVClient();
    long before = kv.put(key("fw/a/", 0), bytes("a0")).get().getHeader().getRevision();
    for (int i = 1; i < 30; i++) {
      kv.put(key("fw/a/", i), bytes("a" + i)).get();
    }
    // A long wait as a hang guard: the read must be served from memory however slow the machine.
    try (CachingClient cache = onDemand("fw/").onDemandWait(Duration.ofSeconds(60)).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      GetResponse first = cache.getKVClient().get(bytes("fw/a/"), PREFIX_SERIALIZABLE).get(90, TimeUnit.SECONDS);
      assertThat(first.getKvs()).hasSize(30);
      assertThat(cache.onDemand().hits()).isEqualTo(1);
      assertThat(cache.onDemand().passes()).isZero();
      assertThat(cache.onDemand().bootstraps()).isEqualTo(1);
      assertSameAsEtcd(cache, "fw/a/");
      kv.put(key("fw/a/", 1), bytes("changed")).get();
      assertSameAsEtcd(cache, "fw/a/");
      // A read at a revision never waits: before the prefix came in, etcd answers at once.
      long passes = cache.onDemand().passes();
      assertSameAsEtcd(cache, bytes("fw/a/"), GetOption.builder().isPrefix(true).withRevision(before).build());
      assertThat(cache.onDemand().passes()).isEqualTo(passes + 1);
    }
  }

  @Test
  void aPrefixOfSmallEntries_isListedInOneRange_andStatusCarriesTheOnDemandFigures() throws Exception {
    KV kv = ETCD.client().getKVClient();
    // Three times the first-page limit of a list whose sizes are unknown (1,000 keys by default).
    List<CompletableFuture<?>> puts = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      puts.add(kv.put(key("ob/big/", i), bytes("v" + i)));
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
    try (CachingClient cache = onDemand("ob/").onDemandWait(Duration.ofSeconds(60)).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      long pagesAtStart = cache.stats().bootstrapRpcs(); // the sample of entry sizes at start
      GetResponse first = cache.getKVClient().get(bytes("ob/big/"), PREFIX_SERIALIZABLE).get(90, TimeUnit.SECONDS);
      assertThat(first.getKvs()).hasSize(3000);
      // Sized from the entries the sample at start saw: one page, not one of 1,000 keys and the rest.
      assertThat(cache.stats().bootstrapRpcs() - pagesAtStart).isEqualTo(1);
      assertSameAsEtcd(cache, "ob/big/");
      dev.etcdcache.api.CacheOnDemand status = cache.status().onDemand();
      dev.etcdcache.api.CacheOnDemand report = cache.onDemand();
      assertThat(status.mirroredPrefixes()).isEqualTo(1).isEqualTo(report.mirroredPrefixes());
      assertThat(status.bootstraps()).isEqualTo(1).isEqualTo(report.bootstraps());
      assertThat(status.hits()).isEqualTo(report.hits()).isPositive();
      assertThat(status.passes()).isEqualTo(report.passes()).isZero();
      assertThat(status.drops()).isZero();
      assertThat(cache.status().memory().degradedReads()).isZero();
    }
  }

  @Test
  void concurrentFirstReaders_shareOneBootstrap() throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (int i = 0; i < 200; i++) {
      kv.put(key("c/x/", i), bytes("x" + i)).get();
    }
    try (CachingClient cache = onDemand("c/").build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<GetResponse>> answers = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        CompletableFuture<GetResponse> answer = new CompletableFuture<>();
        answers.add(answer);
        Thread thread = new Thread(() -> {
          try {
            go.await();
            answer.complete(cache.getKVClient().get(bytes("c/x/"), PREFIX).get(30, TimeUnit.SECONDS));
          } catch (Exception e) {
            answer.completeExceptionally(e);
          }
        });
        thread.start();
        threads.add(thread);
      }
      go.countDown();
      for (CompletableFuture<GetResponse> a : answers) {
        assertThat(a.get(60, TimeUnit.SECONDS).getKvs()).hasSize(200);
      }
      await(() -> cache.onDemand().mirroredPrefixes() == 1);
      assertThat(cache.onDemand().bootstraps()).isEqualTo(1);
      assertThat(cache.onDemand().failedBootstraps()).isZero();
      assertSameAsEtcd(cache, "c/x/");
    }
  }

  @Test
  void writesDuringABootstrap_areNotLost_randomOpsMatchEtcd() throws Exception {
    KV kv = ETCD.client().getKVClient();
    byte[] value = new byte[200];
    for (int i = 0; i < 3000; i++) {
      value[0] = (byte) i;
      kv.put(key("w/p/", i), ByteSequence.from(value));
    }
    kv.put(key("w/p/", 2999), bytes("last")).get();
    Random random = new Random(21);
    // A small page, so the bootstrap takes several round trips while the writer runs.
    try (CachingClient cache = onDemand("w/").pageBytes(16 * 1024).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> randomOps(kv, new Random(7), 300));
      while (!writer.isDone()) {
        assertSameAsEtcd(cache, "w/p/");
      }
      writer.get();
      await(() -> cache.onDemand().mirroredPrefixes() == 1);
      for (int round = 0; round < 10; round++) {
        randomOps(kv, random, 30);
        assertSameAsEtcd(cache, "w/p/");
        for (int k = 0; k < 5; k++) {
          assertSameAsEtcd(cache, key("w/p/", random.nextInt(3100)), GetOption.DEFAULT);
        }
        assertSameAsEtcd(cache, key("w/p/", 100), GetOption.builder().withRange(key("w/p/", 900)).withLimit(7)
            .build());
        assertSameAsEtcd(cache, bytes("w/p/"), GetOption.builder().isPrefix(true).withCountOnly(true).build());
      }
      assertThat(cache.onDemand().bootstraps()).isEqualTo(1);
      assertThat(cache.onDemand().hits()).isPositive();
    }
  }

  @Test
  void budget_dropsTheLeastRecentlyReadPrefix_andEveryAnswerStaysEtcds() throws Exception {
    KV kv = ETCD.client().getKVClient();
    byte[] value = new byte[1024];
    for (String p : List.of("l/a/", "l/b/", "l/c/")) {
      for (int i = 0; i < 50; i++) {
        kv.put(key(p, i), ByteSequence.from(value)).get();
      }
    }
    long onePrefix;
    try (CachingClient measure = onDemand("l/").build()) {
      assertThat(measure.awaitReady(Duration.ofSeconds(30))).isTrue();
      measure.getKVClient().get(bytes("l/a/"), PREFIX).get();
      await(() -> measure.onDemand().mirroredPrefixes() == 1);
      onePrefix = measure.memory().storeBytes();
    }
    // Room for two prefixes, not three.
    try (CachingClient cache = onDemand("l/").memoryBudget(onePrefix * 5 / 2).onDemandWait(Duration.ZERO).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      mirror(cache, "l/a/", 1);
      mirror(cache, "l/b/", 2);
      assertSameAsEtcd(cache, "l/a/"); // a is now read more recently than b
      mirror(cache, "l/c/", 3);
      await(() -> cache.onDemand().drops() == 1);
      assertThat(cache.onDemand().mirroredPrefixes()).isEqualTo(2);
      assertThat(cache.memory().retainedBytes()).isLessThanOrEqualTo(onePrefix * 5 / 2);
      assertThat(cache.memory().degraded()).isFalse();
      long hits = cache.onDemand().hits();
      assertSameAsEtcd(cache, "l/a/");
      assertSameAsEtcd(cache, "l/c/");
      assertThat(cache.onDemand().hits()).isEqualTo(hits + 4); // a and c from memory (two reads each)
      long passes = cache.onDemand().passes();
      assertSameAsEtcd(cache, "l/b/"); // b was dropped: etcd answers, and b comes back (dropping another)
      assertThat(cache.onDemand().passes()).isGreaterThan(passes);
      await(() -> cache.onDemand().drops() == 2);
      for (String p : List.of("l/a/", "l/b/", "l/c/")) {
        kv.put(key(p, 7), bytes("changed")).get();
        assertSameAsEtcd(cache, p);
      }
    }
  }

  @Test
  void readsAtRevisions_beforeAPrefixCameIn_orAfterItLeft_getEtcdsAnswer() throws Exception {
    KV kv = ETCD.client().getKVClient();
    byte[] value = new byte[2048];
    for (int i = 10; i < 20; i++) { // about 21 KB under r/a/
      kv.put(key("r/a/", i), ByteSequence.from(value)).get();
    }
    long before = kv.put(key("r/a/", 1), bytes("one")).get().getHeader().getRevision();
    kv.put(key("r/a/", 2), bytes("two")).get();
    for (int i = 0; i < 40; i++) {
      kv.put(key("r/b/", i), ByteSequence.from(value)).get();
    }
    try (CachingClient cache = onDemand("r/").memoryBudget(100_000).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      mirror(cache, "r/a/", 1);
      long inMemory = kv.put(key("r/a/", 1), bytes("uno")).get().getHeader().getRevision();
      // Before the prefix came in: the cache holds no version with it, so etcd answers.
      long passes = cache.onDemand().passes();
      assertSameAsEtcd(cache, bytes("r/a/"), GetOption.builder().isPrefix(true).withRevision(before).build());
      assertThat(cache.onDemand().passes()).isEqualTo(passes + 1);
      // After it came in: served from the versions held.
      long hits = cache.onDemand().hits();
      assertSameAsEtcd(cache, bytes("r/a/"), GetOption.builder().isPrefix(true).withRevision(inMemory).build());
      assertThat(cache.onDemand().hits()).isEqualTo(hits + 1);
      // r/b/ (about 85 KB) pushes r/a/ out: a read at the same past revision now goes to etcd.
      mirror(cache, "r/b/", 2);
      await(() -> cache.onDemand().drops() >= 1);
      passes = cache.onDemand().passes();
      assertSameAsEtcd(cache, bytes("r/a/"), GetOption.builder().isPrefix(true).withRevision(inMemory).build());
      assertThat(cache.onDemand().passes()).isGreaterThan(passes);
      // A compacted revision gets etcd's own error.
      long now = kv.put(key("r/a/", 3), bytes("three")).get().getHeader().getRevision();
      ETCD.compact(now);
      Throwable fromCache = failure(cache.getKVClient().get(bytes("r/a/"),
          GetOption.builder().isPrefix(true).withRevision(before).build()));
      Throwable fromEtcd = failure(kv.get(bytes("r/a/"), GetOption.builder().isPrefix(true).withRevision(before)
          .build()));
      assertThat(fromCache.getMessage()).isEqualTo(fromEtcd.getMessage());
    }
  }

  @Test
  void watcherOfAPrefix_getsEveryEventOnce_whilePrefixesAreDroppedAndListed() throws Exception {
    KV kv = ETCD.client().getKVClient();
    byte[] value = new byte[1024];
    for (int p = 0; p < 6; p++) {
      for (int i = 0; i < 20; i++) {
        kv.put(key("v/" + p + "/", i), ByteSequence.from(value)).get();
      }
    }
    try (CachingClient cache = onDemand("v/").memoryBudget(60_000).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      mirror(cache, "v/0/", 1);
      long from = kv.get(bytes("v/")).get().getHeader().getRevision() + 1;
      List<Long> seen = new CopyOnWriteArrayList<>();
      Watch.Watcher watcher = cache.getWatchClient().watch(bytes("v/0/"),
          WatchOption.builder().isPrefix(true).withRevision(from).build(), r -> {
            for (WatchEvent e : r.getEvents()) {
              seen.add(e.getKeyValue().getModRevision());
            }
          });
      List<Long> written = new ArrayList<>();
      for (int round = 0; round < 12; round++) {
        written.add(kv.put(key("v/0/", round), bytes("w" + round)).get().getHeader().getRevision());
        kv.put(key("v/" + (1 + round % 5) + "/", round), bytes("o" + round)).get();
        assertSameAsEtcd(cache, "v/" + (1 + round % 5) + "/"); // lists others, dropping v/0/ at times
        assertSameAsEtcd(cache, "v/0/");
      }
      assertThat(cache.onDemand().drops()).isPositive();
      await(() -> seen.size() >= written.size());
      Thread.sleep(200); // lets a repeated event, if any, arrive before the comparison
      assertThat(seen).isEqualTo(written);
      watcher.close();
    }
  }

  @Test
  void aPrefixLargerThanTheBudget_isNeverHeld_andEtcdAnswersItsReads() throws Exception {
    KV kv = ETCD.client().getKVClient();
    byte[] value = new byte[2048];
    for (int i = 0; i < 40; i++) { // about 85 KB, over a 50 KB budget
      kv.put(key("t/big/", i), ByteSequence.from(value)).get();
    }
    try (CachingClient cache = onDemand("t/").memoryBudget(50_000).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertSameAsEtcd(cache, "t/big/");
      await(() -> cache.onDemand().failedBootstraps() >= 1);
      for (int i = 0; i < 5; i++) {
        kv.put(key("t/big/", i), bytes("changed" + i)).get();
        assertSameAsEtcd(cache, "t/big/");
      }
      assertThat(cache.onDemand().bootstraps()).isZero();
      assertThat(cache.onDemand().mirroredPrefixes()).isZero();
      assertThat(cache.memory().retainedBytes()).isLessThanOrEqualTo(50_000);
      assertThat(cache.memory().degraded()).isFalse();
    }
  }

  @Test
  void builder_onDemandWithPrefixesOrTheConsistencyCheck_isRefused() {
    assertThatThrownBy(() -> CachingClient.builder(ETCD.client()).prefixes(bytes("x/"))
        .onDemand(OnDemandPrefixes.children(bytes("y/"))).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("onDemand");
    assertThatThrownBy(() -> CachingClient.builder(ETCD.client()).consistencyCheckPeriod(Duration.ofMinutes(1))
        .onDemand(OnDemandPrefixes.children(bytes("y/"))).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("on-demand");
    assertThatThrownBy(() -> OnDemandPrefixes.children(ByteSequence.EMPTY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OnDemandPrefixes.of(bytes("a/"), bytes("a/b/")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inside");
  }

  @Test
  void typedView_onOnDemandPrefixes_isRefusedClearly() throws Exception {
    Adapter<String> strings = new Utf8Strings();
    try (CachingClient cache = onDemand("tv/").build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThatThrownBy(() -> cache.view("tv/a/", strings))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("on-demand");
    }
  }

  @Test
  void listedPrefixes_areMirroredOnDemandToo() throws Exception {
    KV kv = ETCD.client().getKVClient();
    for (int i = 0; i < 10; i++) {
      kv.put(key("lp/one", i), bytes("1")).get();
      kv.put(key("lp/two", i), bytes("2")).get();
    }
    try (CachingClient cache = CachingClient.builder(ETCD.client())
        .onDemand(OnDemandPrefixes.of(bytes("lp/one"), bytes("lp/two"))).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      mirror(cache, "lp/one", 1);
      kv.put(key("lp/one", 50), bytes("x")).get();
      long hits = cache.onDemand().hits();
      assertSameAsEtcd(cache, "lp/one");
      assertThat(cache.onDemand().hits()).isEqualTo(hits + 2);
      assertSameAsEtcd(cache, bytes("lp/"), PREFIX); // spans both: etcd
    }
  }

  // ---- helpers ----

  private static CachingClient.Builder onDemand(String parent) {
    return CachingClient.builder(ETCD.client()).onDemand(OnDemandPrefixes.children(bytes(parent)));
  }

  /** Reads {@code prefix} (etcd answers, the bootstrap starts) until {@code mirrored} prefixes are held. */
  private static void mirror(CachingClient cache, String prefix, long bootstraps) throws Exception {
    long before = cache.onDemand().bootstraps();
    assertSameAsEtcd(cache, prefix);
    try {
      await(() -> cache.onDemand().bootstraps() >= Math.max(bootstraps, before + 1));
    } catch (AssertionError e) {
      throw new AssertionError(cache.onDemand() + " " + cache.memory() + " " + cache.status(), e);
    }
  }

  private static void randomOps(KV kv, Random random, int ops) {
    try {
      for (int i = 0; i < ops; i++) {
        ByteSequence k = key("w/p/", random.nextInt(3100));
        if (random.nextInt(4) == 0) {
          kv.delete(k).get();
        } else {
          kv.put(k, bytes("r" + random.nextInt())).get();
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertSameAsEtcd(CachingClient cache, String prefix) throws Exception {
    assertSameAsEtcd(cache, bytes(prefix), PREFIX);
    assertSameAsEtcd(cache, bytes(prefix), PREFIX_SERIALIZABLE);
  }

  private static void assertSameAsEtcd(CachingClient cache, ByteSequence key, GetOption option) throws Exception {
    GetResponse fromCache = cache.getKVClient().get(key, option).get(30, TimeUnit.SECONDS);
    GetOption.Builder atSame = GetOption.builder().withRevision(option.getRevision() > 0 ? option.getRevision()
        : fromCache.getHeader().getRevision());
    option.getEndKey().ifPresent(atSame::withRange);
    atSame.isPrefix(option.isPrefix());
    if (option.getLimit() > 0) {
      atSame.withLimit(option.getLimit());
    }
    atSame.withCountOnly(option.isCountOnly());
    GetResponse fromEtcd = ETCD.client().getKVClient().get(key, atSame.build()).get(30, TimeUnit.SECONDS);
    assertThat(RenderedKeyValues.render(fromCache.getKvs())).isEqualTo(RenderedKeyValues.render(fromEtcd.getKvs()));
    assertThat(fromCache.getCount()).isEqualTo(fromEtcd.getCount());
    assertThat(fromCache.isMore()).isEqualTo(fromEtcd.isMore());
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static double etcdRanges() {
    return ETCD.metrics(0).value("grpc_server_handled_total",
        java.util.Map.of("grpc_method", "Range", "grpc_code", "OK"));
  }

  /** Waits for {@code condition}: a hang guard of 90 s, not a speed bar. */
  private static void await(BooleanSupplier condition) {
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10))
        .until(condition::getAsBoolean);
  }

  private static ByteSequence key(String prefix, int i) {
    return bytes(String.format("%s%04d", prefix, i));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
