package dev.etcdcache.e2e.faults;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.e2e.history.History;
import dev.etcdcache.e2e.history.KeyValueRecord;
import dev.etcdcache.e2e.history.Mutation;
import dev.etcdcache.e2e.history.ReadOp;
import dev.etcdcache.e2e.history.WatchEventRecord;
import dev.etcdcache.e2e.history.WatchLog;
import dev.etcdcache.e2e.history.WriteOp;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The workload every fault runs under, recorded into a {@link History}: writers through plain
 * jetcd (puts, deletes and txns of puts on their own keys, every value unique so a write of
 * unknown outcome can be found in etcd's log), readers through the cache (linearizable,
 * serializable and bounded-staleness Gets of single keys and prefixes), and watchers through the
 * cache from several start revisions. Every loop is bounded by the run's deadline.
 */
final class Workload {
  static final String PREFIX = "k/";
  static final Duration STALENESS_BOUND = Duration.ofSeconds(1);
  private static final int KEYS_PER_WRITER = 16;
  private static final int BURST_KEYS = 100;
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  private final History history;
  private final KV direct;
  private final Scale scale;
  private final List<Thread> threads = new ArrayList<>();
  private final List<Watch.Watcher> watchers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final int writers;
  private volatile boolean bursty;
  private volatile long writePauseNanos;
  private final long seed;

  Workload(History history, KV direct, Scale scale, int writers, long seed) {
    this.history = history;
    this.direct = direct;
    this.scale = scale;
    this.writers = writers;
    this.seed = seed;
  }

  /** Switches writers to txns of 100 puts (and back). */
  void bursty(boolean on) {
    bursty = on;
  }

  /** Each writer pauses this long between writes (zero: none), so the cache's watch falls silent. */
  void writePause(Duration pause) {
    writePauseNanos = pause.toNanos();
  }

  void startWriters(long deadlineNanos) {
    for (int w = 0; w < writers; w++) {
      int writer = w;
      start("writer-" + w, () -> writeLoop(writer, deadlineNanos));
    }
  }

  /** One reader per consistency through {@code cache}, recorded as {@code client}. */
  void startReaders(CachingClient cache, int client, long deadlineNanos) {
    start("reader-lin-" + client, () -> readLoop(cache, client, ReadConsistency.LINEARIZABLE, deadlineNanos));
    start("reader-ser-" + client, () -> readLoop(cache, client, ReadConsistency.SERIALIZABLE, deadlineNanos));
    start("reader-bounded-" + client, () ->
        readLoop(cache, client, ReadConsistency.maxStaleness(STALENESS_BOUND), deadlineNanos));
  }

  /**
   * A watcher through {@code cache} from {@code startRevision} on {@code prefix}; {@code listenerDelay}
   * (may be null) runs before each response is recorded, to make a slow or throwing listener.
   */
  WatchLog watch(CachingClient cache, int client, String prefix, long startRevision, Runnable listenerDelay,
      int throwEvery) {
    WatchLog log = history.watch(client, prefix, prefixEnd(prefix), startRevision);
    int[] responses = {0};
    Watch.Listener listener = Watch.listener(response -> {
      if (listenerDelay != null) {
        listenerDelay.run();
      }
      for (WatchEvent e : response.getEvents()) {
        log.event(event(e));
      }
      if (throwEvery > 0 && ++responses[0] % throwEvery == 0) {
        throw new IllegalStateException("listener throws on purpose (fault matrix)");
      }
    }, error -> log.error(String.valueOf(error),
        error instanceof CompactedException c ? c.getCompactedRevision() : 0), log::completed);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(startRevision).build();
    watchers.add(cache.getWatchClient().watch(bytes(prefix), option, listener));
    return log;
  }

  void stopAndJoin() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(90));
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " did not end within 90 s of its deadline");
      }
    }
  }

  void closeWatchers() {
    for (Watch.Watcher w : watchers) {
      w.close();
    }
  }

  // ---- writers ----

  private void writeLoop(int writer, long deadlineNanos) {
    Random random = new Random(seed * 31 + writer);
    long seq = 0;
    while (!stop.get() && System.nanoTime() < deadlineNanos) {
      long pause = writePauseNanos;
      if (pause > 0) {
        LockSupport.parkNanos(pause / 2 + (long) (random.nextDouble() * pause));
      }
      List<Mutation> mutations = new ArrayList<>();
      String unique = "w" + writer + "-" + seq++;
      int dice = random.nextInt(100);
      long invoked = System.nanoTime();
      try {
        long revision;
        if (bursty || dice < 10) {
          int n = bursty ? BURST_KEYS : 2 + random.nextInt(3);
          List<Op> ops = new ArrayList<>();
          int first = random.nextInt(bursty ? BURST_KEYS : KEYS_PER_WRITER);
          for (int i = 0; i < n; i++) {
            String key = bursty ? PREFIX + "w" + writer + "/b" + ((first + i) % BURST_KEYS)
                : writerKey(writer, (first + i) % KEYS_PER_WRITER);
            String value = unique + "/" + i;
            mutations.add(Mutation.put(key, value));
            ops.add(Op.put(bytes(key), bytes(value), PutOption.DEFAULT));
          }
          revision = direct.txn().Then(ops.toArray(new Op[0])).commit()
              .get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getHeader().getRevision();
        } else if (dice < 25) {
          String key = writerKey(writer, random.nextInt(KEYS_PER_WRITER));
          mutations.add(Mutation.delete(key));
          var response = direct.delete(bytes(key)).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          revision = response.getDeleted() == 0 ? WriteOp.NO_OP : response.getHeader().getRevision();
        } else {
          String key = writerKey(writer, random.nextInt(KEYS_PER_WRITER));
          mutations.add(Mutation.put(key, unique));
          revision = direct.put(bytes(key), bytes(unique)).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .getHeader().getRevision();
        }
        history.write(new WriteOp(writer, invoked, System.nanoTime(), revision, mutations, null));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        history.write(new WriteOp(writer, invoked, Long.MAX_VALUE, WriteOp.UNKNOWN, mutations, e.toString()));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
  }

  static String writerKey(int writer, int i) {
    return PREFIX + "w" + writer + "/" + i;
  }

  // ---- readers ----

  private void readLoop(CachingClient cache, int client, ReadConsistency consistency, long deadlineNanos) {
    Random random = new Random(seed * 17 + client * 7L + consistency.mode().ordinal());
    ReadOp.Consistency kind = ReadOp.Consistency.valueOf(consistency.mode().name());
    long bound = consistency.maxStaleness().toNanos();
    while (!stop.get() && System.nanoTime() < deadlineNanos) {
      int dice = random.nextInt(100);
      String key;
      String rangeEnd;
      if (dice < 70) {
        key = writerKey(random.nextInt(writers), random.nextInt(KEYS_PER_WRITER));
        rangeEnd = null;
      } else if (dice < 92) {
        key = PREFIX + "w" + random.nextInt(writers) + "/";
        rangeEnd = prefixEnd(key);
      } else {
        key = PREFIX;
        rangeEnd = prefixEnd(key);
      }
      GetOption option = rangeEnd == null ? GetOption.DEFAULT : GetOption.builder().isPrefix(true).build();
      long invoked = System.nanoTime();
      try {
        GetResponse r = cache.getKVClient().get(bytes(key), option, consistency)
            .get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        history.read(new ReadOp(client, kind, bound, key, rangeEnd, invoked, System.nanoTime(),
            r.getHeader().getRevision(), records(r.getKvs()), r.getCount(), r.isMore(), null));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        history.read(new ReadOp(client, kind, bound, key, rangeEnd, invoked, System.nanoTime(), 0, List.of(), 0,
            false, e.toString()));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      LockSupport.parkNanos(scale.readPause().toNanos());
    }
  }

  // ---- conversions ----

  static List<KeyValueRecord> records(List<KeyValue> kvs) {
    List<KeyValueRecord> out = new ArrayList<>(kvs.size());
    for (KeyValue kv : kvs) {
      out.add(new KeyValueRecord(kv.getKey().toString(StandardCharsets.ISO_8859_1), History.digest(kv.getValue().getBytes()),
          kv.getCreateRevision(), kv.getModRevision(), kv.getVersion()));
    }
    return out;
  }

  private static WatchEventRecord event(WatchEvent e) {
    KeyValue kv = e.getKeyValue();
    String key = kv.getKey().toString(StandardCharsets.ISO_8859_1);
    long now = System.nanoTime();
    if (e.getEventType() == WatchEvent.EventType.DELETE) {
      return new WatchEventRecord(kv.getModRevision(), true, key, "", 0, 0, now);
    }
    return new WatchEventRecord(kv.getModRevision(), false, key, History.digest(kv.getValue().getBytes()),
        kv.getCreateRevision(), kv.getVersion(), now);
  }

  static String prefixEnd(String prefix) {
    return OptionsUtil.prefixEndOf(bytes(prefix)).toString(StandardCharsets.ISO_8859_1);
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.ISO_8859_1);
  }

  private void start(String name, Runnable body) {
    Thread t = new Thread(body, "faults-" + name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }
}
