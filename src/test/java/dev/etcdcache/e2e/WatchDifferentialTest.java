package dev.etcdcache.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd is the oracle for watches: during a seeded random workload of puts, deletes, txns, prefix
 * deletes and compactions, pairs of identical watch requests (random key, prefix or range; start
 * revision 0, inside the history, older than it, at the last compact revision, or in the future;
 * random prevKV, noPut, noDelete) are opened directly through jetcd and through
 * {@code CachingWatch}. Each side's event sequence (type, key, value, create/mod revision,
 * version, lease, prevKV) and its compaction error must be identical; cached live responses must
 * carry exactly one revision with header = that revision. Every watch is opened with createdNotify
 * and the workload waits for both created responses, so both sides start at the same revision.
 * The seed is printed on failure; {@code -Detcdcache.seed=N} replays one.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WatchDifferentialTest {

  @RegisterExtension
  static final EtcdExtension ETCD = EtcdExtension.builder().build();

  private static final String[] PREFIXES = {"w/", "w/b/", "x/", "y\u00ff/"};
  private static final String[] VALUES = {"", "v1", "v2", "longer-value"};
  private static final int STEPS = 150;

  /**
   * etcd's compact revision as this class left it: both tests share the one etcd, and a compaction
   * at or below it fails in etcd ("required revision has been compacted").
   */
  private static long etcdCompacted;

  @Test
  void randomWorkload_watchesFromEveryStart_cacheDeliversExactlyAsEtcd() throws Exception {
    long seed = Long.getLong("etcdcache.seed", System.nanoTime());
    run(seed, CachingClient.builder(ETCD.client()).build(), "default history");
  }

  @Test
  void randomWorkload_tinyHistory_olderStartsServedExactly() throws Exception {
    long seed = Long.getLong("etcdcache.seed", System.nanoTime());
    run(seed, CachingClient.builder(ETCD.client()).historyEvents(5).build(), "historyEvents=5");
  }

  private void run(long seed, CachingClient cache, String mode) throws Exception {
    Random random = new Random(seed);
    String context = "seed=" + seed + " (" + mode + ")";
    List<Pair> pairs = new ArrayList<>();
    try (cache) {
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).as(context).isTrue();
      KV kv = ETCD.client().getKVClient();
      Watch direct = ETCD.client().getWatchClient();
      Watch cached = cache.getWatchClient();
      long compacted = etcdCompacted;
      int lastPastStart = -10;
      for (int step = 0; step < STEPS; step++) {
        long current = currentRevision(kv);
        // etcd syncs a watcher that starts in the past within ~100 ms; a compaction before that
        // cancels it (a race inside etcd itself), so compactions keep clear of fresh past starts.
        if (random.nextInt(100) < 4 && current > 3 && step - lastPastStart > 2) {
          long target = Math.max(compacted + 1, current - random.nextInt(6));
          if (target > compacted && target <= current) {
            // Physical: etcd drops the compacted tombstones before answering, so whether a DELETE
            // at the compact revision is still visible does not race etcd's background compaction.
            kv.compact(target, CompactOption.builder().withCompactPhysical(true).build()).get();
            compacted = target;
            etcdCompacted = target;
          }
        } else {
          write(random, kv);
        }
        current = currentRevision(kv);
        awaitApplied(cache, current, context);
        if (random.nextInt(100) < 25) {
          long start = startRevision(random, current, compacted);
          ByteSequence key = randomKey(random);
          WatchOption option = randomOption(random, start);
          String what = "step " + step + " watch(" + key + ", " + describe(option) + ") at revision " + current;
          long upstreamBefore = cache.stats().watchStreamsOpened();
          Pair pair = new Pair(what, new Recorder(), new Recorder());
          pair.direct().watcher = direct.watch(key, option, pair.direct());
          pair.cached().watcher = cached.watch(key, option, pair.cached());
          pair.direct().awaitCreated(context + " " + what + " (direct)");
          pair.cached().awaitCreated(context + " " + what + " (cached)");
          pair.cached().fromMemory = cache.stats().watchStreamsOpened() == upstreamBefore;
          pairs.add(pair);
          if (start > 0 && start <= current) {
            lastPastStart = step;
            Thread.sleep(300);
          }
        }
      }
      int events = 0;
      int fromMemory = 0;
      for (Pair pair : pairs) {
        awaitEqual(pair, context);
        assertThat(pair.cached().createdRevision).as("%s %s: created header", context, pair.what())
            .isEqualTo(pair.direct().createdRevision);
        if (pair.cached().fromMemory) {
          // A watcher on its own upstream watch gets etcd's own batching, which may group live
          // revisions while etcd has it unsynced.
          pair.cached().assertLiveResponsesHoldOneRevision(context + " " + pair.what());
          fromMemory++;
        }
        events += pair.direct().log.size();
      }
      System.out.printf("%s: %d watch pairs (%d from memory), %d events/errors compared identical, %d upstream, %d overflows%n",
          context, pairs.size(), fromMemory, events, cache.stats().watchStreamsOpened(),
          cache.stats().watcherCatchUps());
      for (Pair pair : pairs) {
        pair.direct().watcher.close();
        pair.cached().watcher.close();
      }
    }
    assertThat(pairs).as(context).isNotEmpty();
  }

  private static long startRevision(Random random, long current, long compacted) {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> Math.max(1, current - random.nextInt(4));
      case 2 -> Math.max(1, current - random.nextInt(30));
      case 3 -> Math.max(1, compacted);
      case 4 -> 1 + random.nextInt(3);
      default -> current + 1 + random.nextInt(5);
    };
  }

  private static WatchOption randomOption(Random random, long start) {
    WatchOption.Builder b = WatchOption.builder().withRevision(start).withCreateNotify(true);
    switch (random.nextInt(4)) {
      case 0 -> { }
      case 1 -> b.isPrefix(true);
      case 2 -> b.withRange(bytes("\0"));
      default -> b.withRange(bytes(PREFIXES[random.nextInt(PREFIXES.length)] + "d"));
    }
    b.withPrevKV(random.nextBoolean());
    b.withNoPut(random.nextInt(5) == 0);
    b.withNoDelete(random.nextInt(5) == 0);
    return b.build();
  }

  private static void write(Random random, KV kv) throws Exception {
    int dice = random.nextInt(100);
    if (dice < 50) {
      kv.put(randomKey(random), bytes(VALUES[random.nextInt(VALUES.length)])).get();
    } else if (dice < 68) {
      kv.delete(randomKey(random)).get();
    } else if (dice < 73) {
      kv.delete(bytes(PREFIXES[random.nextInt(PREFIXES.length)]), DeleteOption.builder().isPrefix(true).build()).get();
    } else {
      List<Op> ops = new ArrayList<>();
      Set<ByteSequence> seen = new HashSet<>();
      int n = 1 + random.nextInt(4);
      for (int i = 0; i < n; i++) {
        ByteSequence key = randomKey(random);
        if (!seen.add(key)) {
          continue;
        }
        ops.add(random.nextInt(4) == 0 ? Op.delete(key, DeleteOption.DEFAULT)
            : Op.put(key, bytes(VALUES[random.nextInt(VALUES.length)]), PutOption.DEFAULT));
      }
      kv.txn().Then(ops.toArray(new Op[0])).commit().get();
    }
  }

  private static void awaitEqual(Pair pair, String context) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (pair.direct().snapshot().equals(pair.cached().snapshot())) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(pair.cached().snapshot()).as("%s %s", context, pair.what()).isEqualTo(pair.direct().snapshot());
  }

  private static long currentRevision(KV kv) throws ExecutionException, InterruptedException {
    return kv.get(bytes("\0"), GetOption.builder().withCountOnly(true).build()).get().getHeader().getRevision();
  }

  private static void awaitApplied(CachingClient cache, long revision, String context) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cache.status().appliedRevision() < revision) {
      assertThat(System.nanoTime()).as("%s: cache never reached revision %d", context, revision).isLessThan(deadline);
      Thread.sleep(2);
    }
  }

  private static ByteSequence randomKey(Random random) {
    return bytes(PREFIXES[random.nextInt(PREFIXES.length)] + (char) ('a' + random.nextInt(6)));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.ISO_8859_1);
  }

  private static String describe(WatchOption o) {
    return "rev=" + o.getRevision() + " end=" + o.getEndKey().map(ByteSequence::toString).orElse("-")
        + " prefix=" + o.isPrefix() + " prevKV=" + o.isPrevKV() + " noPut=" + o.isNoPut() + " noDelete=" + o.isNoDelete();
  }

  private record Pair(String what, Recorder direct, Recorder cached) {}

  /** Records one watcher's events, errors and completion as comparable lines. */
  static final class Recorder implements Watch.Listener {
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    final List<WatchResponse> responses = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch created = new CountDownLatch(1);
    volatile long createdRevision = -1;
    volatile Watch.Watcher watcher;
    volatile boolean fromMemory;

    @Override
    public void onNext(WatchResponse response) {
      if (response.isCreatedNotify()) {
        createdRevision = response.getHeader().getRevision();
        created.countDown();
        return;
      }
      if (response.getEvents().isEmpty()) {
        return; // progress notifications are not compared
      }
      responses.add(response);
      for (WatchEvent e : response.getEvents()) {
        log.add(e.getEventType() + " " + kv(e.getKeyValue()) + " prev=" + kv(e.getPrevKV()));
      }
    }

    @Override
    public void onError(Throwable t) {
      String detail = t instanceof CompactedException c ? "compacted at " + c.getCompactedRevision() : t.getMessage();
      log.add("ERROR " + t.getClass().getSimpleName() + " " + detail);
      created.countDown();
    }

    @Override
    public void onCompleted() {
      log.add("COMPLETED");
    }

    List<String> snapshot() {
      synchronized (log) {
        return new ArrayList<>(log);
      }
    }

    void awaitCreated(String what) throws InterruptedException {
      assertThat(created.await(30, TimeUnit.SECONDS)).as("%s: no created response", what).isTrue();
    }

    void assertLiveResponsesHoldOneRevision(String what) {
      long previous = -1;
      synchronized (responses) {
        for (WatchResponse r : responses) {
          List<WatchEvent> events = r.getEvents();
          long first = events.get(0).getKeyValue().getModRevision();
          long last = events.get(events.size() - 1).getKeyValue().getModRevision();
          assertThat(first).as("%s: a revision split across responses", what).isGreaterThan(previous);
          assertThat(r.getHeader().getRevision()).as("%s: header below its events", what).isGreaterThanOrEqualTo(last);
          if (last > createdRevision) {
            assertThat(first).as("%s: live response with several revisions", what).isEqualTo(last);
            assertThat(r.getHeader().getRevision()).as("%s: live header", what).isEqualTo(last);
          }
          previous = last;
        }
      }
    }

    private static String kv(KeyValue kv) {
      if (kv.getKey().isEmpty()) {
        return "-";
      }
      return kv.getKey().toString(StandardCharsets.ISO_8859_1) + "=" + kv.getValue().toString(StandardCharsets.ISO_8859_1)
          + " c" + kv.getCreateRevision() + " m" + kv.getModRevision() + " v" + kv.getVersion() + " l" + kv.getLease();
    }
  }
}
