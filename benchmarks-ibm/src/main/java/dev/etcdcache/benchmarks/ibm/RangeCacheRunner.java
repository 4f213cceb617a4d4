package dev.etcdcache.benchmarks.ibm;

import com.google.protobuf.ByteString;
import com.ibm.etcd.api.KeyValue;
import com.ibm.etcd.client.EtcdClient;
import com.ibm.etcd.client.utils.RangeCache;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * IBM etcd-java 0.0.24's {@code RangeCache} under the load harness's read workloads, in its own JVM
 * (its gRPC 1.59 / netty 4.1 cannot share a classpath with jetcd 0.8.6). Launched by
 * {@code dev.etcdcache.benchmarks.load.RangeCacheContender}:
 * <pre>
 * java -cp benchmarks-ibm/target/benchmarks-ibm.jar dev.etcdcache.benchmarks.ibm.RangeCacheRunner \
 *   --endpoint 127.0.0.1:2379 --prefix /registry/bench/ --keys 100000 --ten-k-prefix /registry/bench/ns000 \
 *   --callers 1,16,64 --warmup-ms 500 --window-ms 2000
 * </pre>
 *
 * <p>Builds one {@code EtcdClient} with the inbound message limit raised to 256 MiB (RangeCache's
 * bootstrap is one unpaginated Range, which fails past the default 4 MiB), one sorted
 * {@code RangeCache} over the prefix, times {@code start()} until its future completes and checks it
 * holds {@code --keys} keys, measures the heap it retains, then runs closed loops of synchronous local
 * reads: point {@code get(key)} at each caller count, a prefix List of one random 100-key namespace
 * (16 callers), and full Lists of the 10k prefix and of everything (2 callers). RangeCache has no
 * range read, so a prefix List walks the {@code subSet} of the sorted map's {@code keySet()} (a
 * {@link NavigableSet} at run time when {@code sorted}) and {@code get}s each key: the cheapest way a
 * user can list a sub-prefix with its public API. Its reads are local and not linearizable.
 *
 * <p>Prints one machine-readable line per result, fields separated by spaces (variant spaces as
 * {@code _}):
 * <pre>
 * IBM-START keys=100000 loadedMillis=812 heapBytes=61234567
 * IBM-RESULT scenario=1-point-get variant=serializable,_16_callers callers=16 ops=123456.7 p50=3100 p99=9000 p999=20000 errors=0 completed=246913
 * </pre>
 * Latencies in nanoseconds. Exits 0 on success, 1 on failure, 2 on a bad command line.
 */
public final class RangeCacheRunner {

  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  private RangeCacheRunner() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    String[] hostPort = a.get("endpoint").split(":");
    ByteString prefix = ByteString.copyFromUtf8(a.get("prefix"));
    int expectedKeys = Integer.parseInt(a.get("keys"));
    ByteString tenK = ByteString.copyFromUtf8(a.get("ten-k-prefix"));
    long warmupMs = Long.parseLong(a.getOrDefault("warmup-ms", "500"));
    long windowMs = Long.parseLong(a.getOrDefault("window-ms", "2000"));
    String[] callers = a.getOrDefault("callers", "1,16,64").split(",");

    try (EtcdClient client = EtcdClient.forEndpoint(hostPort[0], Integer.parseInt(hostPort[1])).withPlainText()
        .withMaxInboundMessageSize(256 << 20).build()) {
      long before = usedHeapAfterGc();
      long t0 = System.nanoTime();
      RangeCache cache = new RangeCache(client, prefix, true);
      try {
        cache.start().get(5, TimeUnit.MINUTES);
        long loadedMillis = (System.nanoTime() - t0) / 1_000_000;
        int size = cache.size();
        if (size != expectedKeys) {
          throw new IllegalStateException("RangeCache holds " + size + " keys, expected " + expectedKeys);
        }
        long heap = usedHeapAfterGc() - before;
        System.out.printf(Locale.ROOT, "IBM-START keys=%d loadedMillis=%d heapBytes=%d%n", size, loadedMillis, heap);

        Set<ByteString> keySet = cache.keySet();
        if (!(keySet instanceof NavigableSet)) {
          throw new IllegalStateException("sorted RangeCache's keySet is not navigable: " + keySet.getClass());
        }
        NavigableSet<ByteString> sorted = (NavigableSet<ByteString>) keySet;
        ByteString[] keys = sorted.toArray(new ByteString[0]);

        for (String c : callers) {
          int n = Integer.parseInt(c);
          report("1-point-get", "serializable, " + n + " callers", n, warmupMs, windowMs,
              () -> consume(cache.get(keys[ThreadLocalRandom.current().nextInt(keys.length)])) > 0);
        }
        report("2-prefix-list", "serializable, 16 callers", 16, warmupMs, windowMs, () -> {
          ByteString key = keys[ThreadLocalRandom.current().nextInt(keys.length)];
          ByteString namespace = namespaceOf(key);
          return consume(list(cache, sorted, namespace)) == 100;
        });
        report("3-full-list", "10k keys", 2, warmupMs, windowMs, () -> consume(list(cache, sorted, tenK)) == 10_000);
        report("3-full-list", String.format(Locale.ROOT, "%,d keys", expectedKeys), 2, warmupMs, windowMs, () -> {
          List<KeyValue> all = new ArrayList<>(keys.length);
          cache.forEach(all::add);
          return consume(all) == expectedKeys;
        });
      } finally {
        cache.close();
      }
    } catch (Exception e) {
      System.out.println("IBM-FAILED " + e);
      e.printStackTrace(System.out);
      System.exit(1);
    }
    System.exit(0);
  }

  /** Written so the JIT cannot drop the reads; its value means nothing. */
  private static long sink;

  /**
   * Reads {@code kv} as a caller does (key and value as bytes, the revision fields), as the
   * etcd-cache and jetcd contenders' answers are read (etcd-cache's {@code Answers.consume}).
   *
   * @return 1 if there was a value, else 0
   */
  private static int consume(KeyValue kv) {
    if (kv == null) {
      return 0;
    }
    sink += kv.getKey().toByteArray().length + kv.getValue().toByteArray().length + kv.getModRevision()
        + kv.getCreateRevision() + kv.getVersion() + kv.getLease();
    return 1;
  }

  /** Reads every entry of {@code kvs}; returns how many there were. */
  private static int consume(List<KeyValue> kvs) {
    for (KeyValue kv : kvs) {
      consume(kv);
    }
    return kvs.size();
  }

  /** Keys of the sorted key set under {@code prefix}, each read with {@code get} (skips deletion records). */
  private static List<KeyValue> list(RangeCache cache, NavigableSet<ByteString> sorted, ByteString prefix) {
    List<KeyValue> out = new ArrayList<>();
    for (ByteString key : sorted.subSet(prefix, true, plusOne(prefix), false)) {
      KeyValue kv = cache.get(key);
      if (kv != null) {
        out.add(kv);
      }
    }
    return out;
  }

  private static void report(String scenario, String variant, int callers, long warmupMs, long windowMs,
      Supplier<Boolean> request) throws InterruptedException {
    long windowStart = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMs);
    long windowEnd = windowStart + TimeUnit.MILLISECONDS.toNanos(windowMs);
    Histogram[] histograms = new Histogram[callers];
    long[] completed = new long[callers];
    long[] errors = new long[callers];
    Thread[] threads = new Thread[callers];
    for (int i = 0; i < callers; i++) {
      int id = i;
      histograms[i] = new Histogram(MAX_NANOS, 3);
      threads[i] = new Thread(() -> {
        long start;
        while ((start = System.nanoTime()) < windowEnd) {
          boolean ok;
          try {
            ok = request.get();
          } catch (RuntimeException e) {
            ok = false;
          }
          if (start >= windowStart) {
            if (ok) {
              histograms[id].recordValue(Math.min(System.nanoTime() - start, MAX_NANOS));
              completed[id]++;
            } else {
              errors[id]++;
            }
          }
        }
      }, "ibm-caller-" + i);
      threads[i].setDaemon(true);
      threads[i].start();
    }
    Histogram merged = new Histogram(MAX_NANOS, 3);
    long done = 0;
    long failed = 0;
    for (int i = 0; i < callers; i++) {
      threads[i].join();
      merged.add(histograms[i]);
      done += completed[i];
      failed += errors[i];
    }
    double ops = done / (windowMs / 1e3);
    System.out.printf(Locale.ROOT, "IBM-RESULT scenario=%s variant=%s callers=%d ops=%.1f p50=%d p99=%d p999=%d "
            + "errors=%d completed=%d%n", scenario, variant.replace(' ', '_'), callers, ops,
        merged.getValueAtPercentile(50), merged.getValueAtPercentile(99), merged.getValueAtPercentile(99.9), failed,
        done);
  }

  /** The key up to and including its last '/': its 100-key namespace in the harness's data. */
  private static ByteString namespaceOf(ByteString key) {
    for (int i = key.size() - 1; i >= 0; i--) {
      if (key.byteAt(i) == '/') {
        return key.substring(0, i + 1);
      }
    }
    return key;
  }

  private static ByteString plusOne(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    end[end.length - 1]++;
    return ByteString.copyFrom(end);
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        usage("unexpected " + args[i]);
      }
      a.put(args[i].substring(2), args[i + 1]);
    }
    for (String required : List.of("endpoint", "prefix", "keys", "ten-k-prefix")) {
      if (!a.containsKey(required)) {
        usage("missing --" + required);
      }
    }
    return a;
  }

  private static void usage(String problem) {
    System.err.println("RangeCacheRunner: " + problem);
    System.err.println("usage: --endpoint HOST:PORT --prefix P --keys N --ten-k-prefix P [--callers 1,16,64] "
        + "[--warmup-ms MS] [--window-ms MS]");
    System.exit(2);
  }
}
