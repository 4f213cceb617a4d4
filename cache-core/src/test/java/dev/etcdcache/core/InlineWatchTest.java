package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.Adapter;
import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.Query;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Listeners marked {@link CachingWatch#inline} and {@link CacheEventListener#inline}, against real
 * etcd: they hear exactly what a queued listener and a direct jetcd watcher hear, on the mirror's
 * apply thread, and a listener that throws or dawdles harms nobody else's deliveries.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class InlineWatchTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final String APPLY_THREAD = "etcd-cache-mirror";
  /**
   * Where an inline listener runs: on the applier of the revision, which is the mirror's apply
   * thread, or jetcd's event loop that received a small revision and applied it itself.
   */
  private static final String JETCD_LOOP = "vert.x-eventloop";
  private static final Predicate<String> ON_APPLIER = t -> t.equals(APPLY_THREAD) || t.startsWith(JETCD_LOOP);

  @Test
  void inlineWatchers_randomWrites_sameEventsAsQueuedAndDirectWatchers_forEveryFilterShape() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    KV kv = ETCD.client().getKVClient();
    Map<String, WatchOption.Builder> shapes = new LinkedHashMap<>();
    shapes.put("prefix", WatchOption.builder().isPrefix(true));
    shapes.put("prefix+prevKV", WatchOption.builder().isPrefix(true).withPrevKV(true));
    shapes.put("noPut+prevKV", WatchOption.builder().isPrefix(true).withNoPut(true).withPrevKV(true));
    shapes.put("noDelete", WatchOption.builder().isPrefix(true).withNoDelete(true));
    shapes.put("one key+prevKV", WatchOption.builder().withPrevKV(true));
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("rw/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      long from = kv.put(bytes("other"), bytes("x")).get().getHeader().getRevision() + 1;
      Map<String, Streams> streams = new LinkedHashMap<>();
      List<Watch.Watcher> opened = new ArrayList<>();
      for (Map.Entry<String, WatchOption.Builder> shape : shapes.entrySet()) {
        WatchOption option = shape.getValue().withRevision(from).build();
        ByteSequence key = bytes(shape.getKey().startsWith("one key") ? "rw/3" : "rw/");
        Streams s = new Streams();
        opened.add(ETCD.client().getWatchClient().watch(key, option, s.direct));
        opened.add(cache.getWatchClient().watch(key, option, s.queued));
        opened.add(cache.getWatchClient().watch(key, option, CachingWatch.inline(s.inline)));
        streams.put(shape.getKey(), s);
      }

      for (int op = 0; op < 150; op++) {
        int dice = random.nextInt(100);
        if (dice < 55) {
          kv.put(bytes("rw/" + random.nextInt(8)), bytes("v" + op)).get();
        } else if (dice < 75) {
          kv.delete(bytes("rw/" + random.nextInt(8))).get();
        } else if (dice < 92) {
          List<Op> puts = new ArrayList<>();
          for (int i = 0; i < 2 + random.nextInt(3); i++) {
            puts.add(Op.put(bytes("rw/" + i * 2 + random.nextInt(2)), bytes("t" + op + "-" + i), PutOption.DEFAULT));
          }
          kv.txn().Then(puts.toArray(new Op[0])).commit().get();
        } else {
          kv.delete(bytes("rw/"), DeleteOption.builder().isPrefix(true).build()).get();
        }
      }
      long putEnd = kv.put(bytes("rw/3"), bytes("end")).get().getHeader().getRevision();
      long deleteEnd = kv.delete(bytes("rw/3")).get().getHeader().getRevision();

      for (Map.Entry<String, Streams> e : streams.entrySet()) {
        long last = e.getKey().equals("noDelete") ? putEnd : deleteEnd;
        Streams s = e.getValue();
        s.direct.awaitRevision(last);
        s.queued.awaitRevision(last);
        s.inline.awaitRevision(last);
        assertThat(s.direct.events).as("seed %d, %s: direct watcher heard the writes", seed, e.getKey()).isNotEmpty();
        assertThat(s.queued.events).as("seed %d, %s: queued = direct", seed, e.getKey()).isEqualTo(s.direct.events);
        assertThat(s.inline.events).as("seed %d, %s: inline = direct", seed, e.getKey()).isEqualTo(s.direct.events);
        assertThat(s.inline.threads).as("inline calls run on the applier").allMatch(ON_APPLIER);
        assertThat(s.queued.threads).noneMatch(ON_APPLIER);
      }
      opened.forEach(Watch.Watcher::close);
    }
  }

  /**
   * Small revisions are applied on jetcd's event loop that received them when the apply thread has
   * nothing queued, large ones and backlogs on the apply thread: under random writes of mixed sizes
   * (single puts, transactions of up to 40 keys, values past the byte bound, ranged deletes) sent
   * one at a time and in bursts that queue up, inline and queued watchers and a direct jetcd
   * watcher hear identical streams, so the two appliers never reorder or lose a revision; and a
   * revision too large for the event loop is delivered on the apply thread.
   */
  @Test
  void inlineApply_mixedRevisionSizesAndBursts_sameStreamsAsDirect_largeRevisionsOnTheApplyThread() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    KV kv = ETCD.client().getKVClient();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("ia/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      long from = kv.put(bytes("other"), bytes("x")).get().getHeader().getRevision() + 1;
      WatchOption option = WatchOption.builder().isPrefix(true).withPrevKV(true).withRevision(from).build();
      Streams s = new Streams();
      List<Watch.Watcher> opened = new ArrayList<>();
      opened.add(ETCD.client().getWatchClient().watch(bytes("ia/"), option, s.direct));
      opened.add(cache.getWatchClient().watch(bytes("ia/"), option, s.queued));
      opened.add(cache.getWatchClient().watch(bytes("ia/"), option, CachingWatch.inline(s.inline)));
      String big = "b".repeat(70 * 1024); // past the bytes a revision may have to be applied on the event loop
      List<java.util.concurrent.CompletableFuture<?>> burst = new ArrayList<>();
      long last = 0;
      for (int op = 0; op < 200; op++) {
        int dice = random.nextInt(100);
        java.util.concurrent.CompletableFuture<? extends io.etcd.jetcd.Response> write;
        if (dice < 50) {
          write = kv.put(bytes("ia/" + random.nextInt(50)), bytes("v" + op));
        } else if (dice < 60) {
          write = kv.delete(bytes("ia/" + random.nextInt(50)));
        } else if (dice < 85) {
          List<Op> puts = new ArrayList<>();
          int n = 2 + random.nextInt(39);
          for (int i = 0; i < n; i++) {
            puts.add(Op.put(bytes("ia/" + i), bytes("t" + op + "-" + i), PutOption.DEFAULT));
          }
          write = kv.txn().Then(puts.toArray(new Op[0])).commit();
        } else if (dice < 93) {
          write = kv.put(bytes("ia/big" + random.nextInt(3)), bytes(big + op));
        } else {
          write = kv.delete(bytes("ia/"), DeleteOption.builder().isPrefix(true).build());
        }
        burst.add(write);
        // Mostly one write at a time (the apply thread idle: small revisions go inline); now and
        // then a burst of up to 8 in flight, so responses arrive while others are queued.
        if (random.nextInt(4) != 0 || burst.size() >= 8) {
          for (java.util.concurrent.CompletableFuture<?> f : burst) {
            f.get(30, TimeUnit.SECONDS);
          }
          burst.clear();
        }
      }
      for (java.util.concurrent.CompletableFuture<?> f : burst) {
        f.get(30, TimeUnit.SECONDS);
      }
      last = kv.put(bytes("ia/end"), bytes("end")).get().getHeader().getRevision();

      s.direct.awaitRevision(last);
      s.queued.awaitRevision(last);
      s.inline.awaitRevision(last);
      assertThat(s.queued.events).as("seed %d: queued = direct", seed).isEqualTo(s.direct.events);
      assertThat(s.inline.events).as("seed %d: inline = direct", seed).isEqualTo(s.direct.events);
      assertThat(s.inline.threads).as("inline calls run on the applier").allMatch(ON_APPLIER);
      assertThat(s.queued.threads).noneMatch(ON_APPLIER);
      for (int i = 0; i < s.inline.sizes.size(); i++) {
        if (s.inline.sizes.get(i) > 16) {
          assertThat(s.inline.threads.get(i)).as("seed %d: a revision of %d events", seed, s.inline.sizes.get(i))
              .isEqualTo(APPLY_THREAD);
        }
      }
      // Both appliers took part (one write at a time leaves the apply thread idle for most small
      // revisions; the large ones always go to it).
      assertThat(s.inline.threads).as("seed %d", seed).anyMatch(t -> t.startsWith(JETCD_LOOP)).contains(APPLY_THREAD);
      // The mirror holds what etcd holds.
      var fromCache = cache.getKVClient().get(bytes("ia/"), io.etcd.jetcd.options.GetOption.builder().isPrefix(true)
          .withRevision(last).build()).get(30, TimeUnit.SECONDS);
      var fromEtcd = kv.get(bytes("ia/"), io.etcd.jetcd.options.GetOption.builder().isPrefix(true)
          .withRevision(last).build()).get(30, TimeUnit.SECONDS);
      assertThat(render(fromCache.getKvs())).as("seed %d", seed).isEqualTo(render(fromEtcd.getKvs())).isNotEmpty();
      opened.forEach(Watch.Watcher::close);
    }
  }

  @Test
  void inlineWatch_compactedStart_compactedExceptionThenCompleted_likeEtcd() throws Exception {
    KV kv = ETCD.client().getKVClient();
    long first = kv.put(bytes("ic/1"), bytes("a")).get().getHeader().getRevision();
    long last = kv.put(bytes("ic/1"), bytes("b")).get().getHeader().getRevision();
    kv.put(bytes("ic/1"), bytes("c")).get();
    kv.compact(last).get();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      WatchOption option = WatchOption.builder().withRevision(first).build();
      Recorder direct = new Recorder();
      Recorder inline = new Recorder();
      ETCD.client().getWatchClient().watch(bytes("ic/1"), option, direct);
      Watch.Watcher w = cache.getWatchClient().watch(bytes("ic/1"), option, CachingWatch.inline(inline));
      direct.awaitCompleted();
      inline.awaitCompleted();
      assertThat(inline.lines).isEqualTo(direct.lines).containsExactly("error compacted " + last, "completed");
      assertThat(w.isClosed()).isTrue();
    }
  }

  @Test
  void inlineWatch_requestProgress_emptyResponseAtCurrentRevision_asQueued() throws Exception {
    try (CachingClient cache = CachingClient.builder(ETCD.client()).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      WatchOption option = WatchOption.builder().withCreateNotify(true).build();
      Recorder queued = new Recorder();
      Recorder inline = new Recorder();
      Watch.Watcher q = cache.getWatchClient().watch(bytes("ip/1"), option, queued);
      Watch.Watcher i = cache.getWatchClient().watch(bytes("ip/1"), option, CachingWatch.inline(inline));
      queued.awaitLine("created"::equals);
      inline.awaitLine("created"::equals);
      long revision = ETCD.client().getKVClient().put(bytes("ip/1"), bytes("x")).get().getHeader().getRevision();
      queued.awaitRevision(revision);
      inline.awaitRevision(revision);
      q.requestProgress();
      i.requestProgress();
      queued.awaitLine(l -> l.startsWith("progress"));
      inline.awaitLine(l -> l.startsWith("progress"));
      assertThat(inline.lines).isEqualTo(queued.lines).containsExactly("created",
          "PUT ip/1=x mod " + revision + " prev -", "progress " + revision);
    }
  }

  @Test
  void throwingInlineListener_counted_othersHearEverything_itsDeliveriesGoOn() throws Exception {
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("it/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      // From an explicit revision: a watch call returns before the watch is established.
      long from = ETCD.client().getKVClient().put(bytes("other"), bytes("x")).get().getHeader().getRevision() + 1;
      WatchOption prefix = WatchOption.builder().isPrefix(true).withRevision(from).build();
      // Counted per event: a watcher whose registration finishes after some writes were applied
      // hears them in one catch-up response, as etcd's own watchers may.
      CountDownLatch thrown = new CountDownLatch(20);
      java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
      Recorder healthyInline = new Recorder();
      Recorder queued = new Recorder();
      cache.getWatchClient().watch(bytes("it/"), prefix, CachingWatch.inline(Watch.listener(r -> {
        calls.incrementAndGet();
        r.getEvents().forEach(e -> thrown.countDown());
        throw new IllegalStateException("listener bug");
      })));
      cache.getWatchClient().watch(bytes("it/"), prefix, CachingWatch.inline(healthyInline));
      cache.getWatchClient().watch(bytes("it/"), prefix, queued);
      long last = 0;
      for (int i = 0; i < 20; i++) {
        last = ETCD.client().getKVClient().put(bytes("it/" + i), bytes("v")).get().getHeader().getRevision();
      }
      healthyInline.awaitRevision(last);
      queued.awaitRevision(last);
      assertThat(thrown.await(30, TimeUnit.SECONDS)).as("the throwing listener is still called").isTrue();
      assertThat(healthyInline.events).hasSize(20).isEqualTo(queued.events);
      assertThat(cache.stats().listenerFailures()).as("every throw counted").isEqualTo(calls.get());
      // The mirror kept applying: a read served from memory sees the last write.
      assertThat(cache.getKVClient().get(bytes("it/19")).get().getHeader().getRevision()).isGreaterThanOrEqualTo(last);
    }
  }

  @Test
  void inlineListenerSlowerThanItsBudget_isCounted_andOthersStillHearEverything() throws Exception {
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("is/")).build()) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      long from = ETCD.client().getKVClient().put(bytes("other"), bytes("x")).get().getHeader().getRevision() + 1;
      WatchOption option = WatchOption.builder().withRevision(from).build();
      Recorder other = new Recorder();
      cache.getWatchClient().watch(bytes("is/1"), option, CachingWatch.inline(Watch.listener(r -> {
        try {
          Thread.sleep(5); // breaks the promise: sleeps at least 5 ms, past the 1 ms budget
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      })));
      cache.getWatchClient().watch(bytes("is/1"), option, CachingWatch.inline(other));
      long revision = ETCD.client().getKVClient().put(bytes("is/1"), bytes("x")).get().getHeader().getRevision();
      other.awaitRevision(revision);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (cache.getWatchClient().slowInlineCalls() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(cache.getWatchClient().slowInlineCalls()).isEqualTo(1);
    }
  }

  @Test
  void inlineViewWatch_seesEveryChange_asTheQueuedOne_onTheApplyThread() throws Exception {
    Adapter<String> strings = new Utf8Strings();
    KV kv = ETCD.client().getKVClient();
    try (CachingClient cache = CachingClient.builder(ETCD.client()).prefixes(bytes("iv/")).build();
         var view = cache.view("iv/", strings)) {
      assertThat(cache.awaitReady(Duration.ofSeconds(30))).isTrue();
      long from = view.snapshot().get(30, TimeUnit.SECONDS).revision() + 1;
      ViewRecorder queued = new ViewRecorder();
      ViewRecorder inline = new ViewRecorder();
      AutoCloseable q = view.watch(from, Query.all(), queued);
      AutoCloseable i = view.watch(from, Query.all(), CacheEventListener.inline(inline));
      Random random = new Random();
      long last = 0;
      for (int op = 0; op < 60; op++) {
        String key = "iv/" + random.nextInt(5);
        last = (random.nextInt(4) == 0 ? kv.delete(bytes(key)).get().getHeader()
            : kv.put(bytes(key), bytes("v" + op)).get().getHeader()).getRevision();
      }
      last = kv.txn().Then(Op.put(bytes("iv/a"), bytes("1"), PutOption.DEFAULT),
          Op.put(bytes("iv/b"), bytes("2"), PutOption.DEFAULT)).commit().get().getHeader().getRevision();
      queued.awaitRevisionEnd(last);
      inline.awaitRevisionEnd(last);
      assertThat(inline.lines).isEqualTo(queued.lines).isNotEmpty();
      assertThat(inline.threads).allMatch(ON_APPLIER);
      q.close();
      i.close();
    }
  }

  // ---- helpers ----

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static List<String> render(List<io.etcd.jetcd.KeyValue> kvs) {
    return kvs.stream().map(k -> str(k.getKey()) + "=" + str(k.getValue()) + " create " + k.getCreateRevision()
        + " mod " + k.getModRevision() + " version " + k.getVersion()).toList();
  }

  private static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  /** One filter shape's three listeners. */
  private static final class Streams {
    final Recorder direct = new Recorder();
    final Recorder queued = new Recorder();
    final Recorder inline = new Recorder();
  }

  /** A watch listener writing every callback as a line, and every event as one. */
  private static final class Recorder implements Watch.Listener {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    /** Events in each call, in the order of {@link #threads}. */
    final List<Integer> sizes = new CopyOnWriteArrayList<>();
    volatile long lastRevision;
    volatile boolean completed;

    @Override
    public void onNext(WatchResponse response) {
      sizes.add(response.getEvents().size());
      threads.add(Thread.currentThread().getName());
      if (response.isCreatedNotify()) {
        lines.add("created");
        return;
      }
      if (response.getEvents().isEmpty()) {
        lines.add("progress " + response.getHeader().getRevision());
        return;
      }
      for (WatchEvent e : response.getEvents()) {
        var k = e.getKeyValue();
        var p = e.getPrevKV();
        String line = e.getEventType() + " " + str(k.getKey()) + "=" + str(k.getValue()) + " mod " + k.getModRevision()
            + (e.getEventType() == WatchEvent.EventType.PUT ? " create " + k.getCreateRevision() + " version "
                + k.getVersion() : "")
            + " prev " + (p == null || p.getKey().isEmpty() ? "-"
                : str(p.getKey()) + "=" + str(p.getValue()) + "@" + p.getModRevision() + "v" + p.getVersion());
        events.add(line);
        lines.add(line.replaceAll(" create \\d+ version \\d+", ""));
        lastRevision = Math.max(lastRevision, k.getModRevision());
      }
    }

    @Override
    public void onError(Throwable t) {
      lines.add(t instanceof CompactedException c ? "error compacted " + c.getCompactedRevision()
          : "error " + t.getClass().getSimpleName() + " " + t.getMessage());
    }

    @Override
    public void onCompleted() {
      lines.add("completed");
      completed = true;
    }

    void awaitRevision(long revision) throws InterruptedException {
      await(() -> lastRevision >= revision, "revision " + revision);
    }

    void awaitCompleted() throws InterruptedException {
      await(() -> completed, "completion");
    }

    void awaitLine(Predicate<String> line) throws InterruptedException {
      await(() -> lines.stream().anyMatch(line), "a line");
    }

    private void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!done.getAsBoolean() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(done.getAsBoolean()).as("waited for %s; got %s", what, lines).isTrue();
    }
  }

  /** A view listener writing every callback as a line. */
  private static final class ViewRecorder implements CacheEventListener<String> {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    volatile long lastEnd;

    @Override
    public void onEvent(CacheEvent<String> event) {
      threads.add(Thread.currentThread().getName());
      lines.add(event.type() + " " + event.key() + " " + event.object() + " prev " + event.previous() + " @"
          + event.revision());
    }

    @Override
    public void onRevisionEnd(long revision) {
      lines.add("end " + revision);
      lastEnd = revision;
    }

    @Override
    public void onError(Throwable failure) {
      lines.add("error " + failure);
    }

    void awaitRevisionEnd(long revision) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (lastEnd < revision && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(lastEnd).as("revision ends heard: %s", lines).isGreaterThanOrEqualTo(revision);
    }
  }
}
