package dev.etcdcache.core;

import dev.etcdcache.api.CacheMemory;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link SmallHeapTest}, run under {@code -Xmx256m}: a cache with a 96 MiB budget
 * in front of values near etcd's 1.5 MiB request limit, rewritten 1,000 times, then a keyspace
 * larger than the budget. Every read is compared with etcd's own answer as it goes; a watcher's
 * events are compared with the writes' revisions at the end. Prints {@code EXACT} and exits 0, or
 * prints what differed and exits 1; an OutOfMemoryError ends the JVM (the parent passes
 * {@code -XX:+ExitOnOutOfMemoryError}).
 */
public final class SmallHeapRun {

  static final long BUDGET = 96L << 20;
  /** etcd's default --max-request-bytes is 1.5 MiB; the request also carries the key and framing. */
  static final int VALUE = (3 << 19) - 1024;

  private SmallHeapRun() {}

  public static void main(String[] args) throws Exception {
    int rewrites = Integer.parseInt(args[1]);
    int largeKeys = Integer.parseInt(args[2]);
    try (Client etcd = Client.builder().endpoints(args[0]).maxInboundMessageSize(8 << 20).build();
        CachingClient cache = CachingClient.builder(etcd).prefixes(bytes("h/")).memoryBudget(BUDGET).build()) {
      if (!cache.awaitReady(Duration.ofSeconds(60))) {
        fail("the cache was not ready");
      }
      KV kv = etcd.getKVClient();
      long from = cache.status().appliedRevision() + 1;
      List<Long> seen = new CopyOnWriteArrayList<>();
      Watch.Watcher watcher = cache.getWatchClient().watch(bytes("h/"),
          WatchOption.builder().isPrefix(true).withRevision(from).build(), r -> {
            for (WatchEvent e : r.getEvents()) {
              seen.add(e.getKeyValue().getModRevision());
            }
          });
      List<Long> written = new ArrayList<>();
      long maxRetained = 0;
      byte[] value = new byte[VALUE];
      for (int i = 0; i < rewrites; i++) {
        Arrays.fill(value, 0, 64, (byte) i);
        written.add(kv.put(key("h/r/", i % 8), ByteSequence.from(value)).get().getHeader().getRevision());
        maxRetained = Math.max(maxRetained, check(cache, kv, key("h/r/", (i * 7) % 8)));
        if (i % 50 == 49) {
          kv.compact(written.get(written.size() - 1) - 8).get(); // keeps etcd's own database small
        }
      }
      System.out.printf("rewrites done: %d; most retained %,d B of a %,d B budget; degraded %s%n", rewrites,
          maxRetained, BUDGET, cache.memory().degraded());
      for (int i = 0; i < largeKeys; i++) {
        Arrays.fill(value, 0, 64, (byte) i);
        written.add(kv.put(key("h/l/", i), ByteSequence.from(value)).get().getHeader().getRevision());
        maxRetained = Math.max(maxRetained, check(cache, kv, key("h/l/", i / 2)));
      }
      CacheMemory memory = cache.memory();
      System.out.printf("large keyspace done: %d keys of %,d B; most retained %,d B; degraded %s (%s)%n", largeKeys,
          VALUE, maxRetained, memory.degraded(), memory.degradedReason().orElse(""));
      if (largeKeys * (long) VALUE > BUDGET && !memory.degraded()) {
        fail("a keyspace larger than the budget did not degrade the cache");
      }
      if (maxRetained > BUDGET) {
        fail("the estimate passed the budget: " + maxRetained);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (seen.size() < written.size() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200);
      if (!seen.equals(written)) {
        fail("the watcher saw " + seen.size() + " events, " + written.size() + " written; first difference at "
            + firstDifference(seen, written));
      }
      watcher.close();
      System.out.println("EXACT");
    }
  }

  /** A point read and a count of the prefix through the cache, each equal to etcd's at its revision. */
  private static long check(CachingClient cache, KV kv, ByteSequence key) throws Exception {
    GetResponse cached = cache.getKVClient().get(key).get(30, TimeUnit.SECONDS);
    GetResponse direct = kv.get(key, GetOption.builder().withRevision(cached.getHeader().getRevision()).build())
        .get(30, TimeUnit.SECONDS);
    if (!render(cached.getKvs()).equals(render(direct.getKvs()))) {
      fail("Get " + key + " differs from etcd's: " + render(cached.getKvs()) + " vs " + render(direct.getKvs()));
    }
    GetOption count = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    GetResponse cachedCount = cache.getKVClient().get(bytes("h/"), count).get(30, TimeUnit.SECONDS);
    GetResponse directCount = kv.get(bytes("h/"), GetOption.builder().isPrefix(true).withCountOnly(true)
        .withRevision(cachedCount.getHeader().getRevision()).build()).get(30, TimeUnit.SECONDS);
    if (cachedCount.getCount() != directCount.getCount()) {
      fail("count differs from etcd's: " + cachedCount.getCount() + " vs " + directCount.getCount());
    }
    return cache.memory().retainedBytes();
  }

  private static List<String> render(List<KeyValue> kvs) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : kvs) {
      out.add(kv.getKey().toString(StandardCharsets.UTF_8) + "@" + kv.getModRevision() + "/" + kv.getVersion() + "="
          + Arrays.hashCode(kv.getValue().getBytes()));
    }
    return out;
  }

  private static int firstDifference(List<Long> a, List<Long> b) {
    int i = 0;
    while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
      i++;
    }
    return i;
  }

  private static void fail(String why) {
    System.out.println("DIFFERENT: " + why);
    System.exit(1);
  }

  private static ByteSequence key(String prefix, int i) {
    return bytes(prefix + String.format("%04d", i));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
