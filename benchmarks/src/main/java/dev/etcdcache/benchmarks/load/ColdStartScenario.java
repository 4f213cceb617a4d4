package dev.etcdcache.benchmarks.load;

import static dev.etcdcache.benchmarks.load.ReadScenarios.fmt;

import dev.etcdcache.core.CachingClient;
import dev.etcdcache.demo.load.EtcdCounters;
import dev.etcdcache.demo.load.KeySet;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenarios 5 and 6 of issue 7 on one data set: how long a new {@link CachingClient} takes to be
 * ready, against one unpaginated Range of the same keys (the floor: one request, one response) and
 * against pages of 1,000 keys pinned at one revision; then the heap the ready cache retains, after
 * GC, against the raw key and value bytes and against holding the unpaginated Range's
 * {@link GetResponse}.
 *
 * <p>Heap is the used heap after repeated {@code System.gc()} before and after, so it includes
 * everything the cache keeps (tree, records, version window); numbers are approximate. Not
 * thread-safe.
 */
final class ColdStartScenario {

  static final String COLD = "5-cold-start";
  static final String MEMORY = "6-memory";

  private final Bench bench;

  ColdStartScenario(Bench bench) {
    this.bench = bench;
    bench.report().scenario(COLD, "5. Cold start",
        "Time from building the client to ready (etcd-cache), against one unpaginated Range of the same prefix "
            + "(inbound limit raised) and against Range pages of 1,000 keys pinned at one revision, both on direct "
            + "jetcd. RPCs and etcd CPU are etcd's own counters for that read.");
    bench.report().scenario(MEMORY, "6. Retained heap",
        "Used heap after GC, with the ready cache minus without it, per key; against the raw key+value bytes and "
            + "against keeping the unpaginated Range's jetcd GetResponse.");
  }

  /** Returns {cache ms, unpaginated ms, cache heap bytes per key, raw bytes per key}. */
  double[] run(KeySet keys) throws Exception {
    String variant = fmt("%,d keys", keys.count());
    long[] cacheMillis = new long[bench.options().coldRepeats()];
    long[] rangeMillis = new long[cacheMillis.length];
    long[] pagesMillis = new long[cacheMillis.length];
    EtcdCounters cacheCost = null;
    EtcdCounters rangeCost = null;
    EtcdCounters pagesCost = null;
    long retained = 0;
    long pages = 0;
    for (int i = 0; i < cacheMillis.length; i++) {
      long before = usedHeapAfterGc();
      EtcdCounters c0 = bench.counters();
      long t0 = System.nanoTime();
      try (CachingClient cache = CachingClient.builder(bench.upstream()).prefixes(keys.rootBytes()).build()) {
        if (!cache.awaitReady(Duration.ofMinutes(5))) {
          throw new IllegalStateException("cache over " + keys.root() + " not ready in 5 minutes: " + cache.status());
        }
        cacheMillis[i] = (System.nanoTime() - t0) / 1_000_000;
        cacheCost = bench.counters().minus(c0);
        retained = usedHeapAfterGc() - before;
      }
      EtcdCounters r0 = bench.counters();
      long t1 = System.nanoTime();
      GetResponse whole = bench.direct().getKVClient().get(keys.rootBytes(), GetOption.builder().isPrefix(true).build())
          .get(5, TimeUnit.MINUTES);
      rangeMillis[i] = (System.nanoTime() - t1) / 1_000_000;
      rangeCost = bench.counters().minus(r0);
      if (whole.getKvs().size() != keys.count()) {
        throw new IllegalStateException("expected " + keys.count() + " keys, etcd returned " + whole.getKvs().size());
      }
      whole = null;
      EtcdCounters p0 = bench.counters();
      long t2 = System.nanoTime();
      pages = readInPages(bench.direct().getKVClient(), keys.rootBytes(), 1000);
      pagesMillis[i] = (System.nanoTime() - t2) / 1_000_000;
      pagesCost = bench.counters().minus(p0);
    }
    long cacheMs = median(cacheMillis);
    long rangeMs = median(rangeMillis);
    long pagesMs = median(pagesMillis);
    bench.report().add(coldRow(variant, "one unpaginated Range", Contender.DIRECT, rangeMs, rangeMs, rangeCost));
    bench.report().add(coldRow(variant, fmt("%,d pages of 1,000", pages), Contender.DIRECT, pagesMs, rangeMs, pagesCost));
    bench.report().add(coldRow(variant, "bootstrap to ready", Contender.ETCD_CACHE, cacheMs, rangeMs, cacheCost));
    bench.say("    %-14s etcd-cache ready in %,d ms (%d Range RPCs) | one Range %,d ms | %,d pages of 1,000: %,d ms",
        variant, cacheMs, cacheCost.range(), rangeMs, pages, pagesMs);

    long heldResponse = heldResponseBytes(keys);
    double raw = (double) keys.rawBytes() / keys.count();
    bench.report().add(memoryRow(variant, "GetResponse held", Contender.DIRECT, heldResponse, keys, heldResponse));
    bench.report().add(memoryRow(variant, "ready cache", Contender.ETCD_CACHE, retained, keys, heldResponse));
    bench.say("    %-14s heap per key: etcd-cache %,.0f B, GetResponse held %,.0f B, raw key+value %,.0f B",
        variant, (double) retained / keys.count(), (double) heldResponse / keys.count(), raw);
    return new double[] {cacheMs, rangeMs, (double) retained / keys.count(), raw};
  }

  private long heldResponseBytes(KeySet keys) throws Exception {
    long before = usedHeapAfterGc();
    GetResponse held = bench.direct().getKVClient().get(keys.rootBytes(), GetOption.builder().isPrefix(true).build())
        .get(5, TimeUnit.MINUTES);
    List<KeyValue> kvs = held.getKvs();
    long retained = usedHeapAfterGc() - before;
    if (kvs.size() != keys.count()) {
      throw new IllegalStateException("expected " + keys.count() + " keys");
    }
    return retained;
  }

  /** Reads the prefix in pages of {@code limit} keys pinned at the first page's revision; returns the page count. */
  static long readInPages(KV kv, ByteSequence prefix, int limit) throws Exception {
    byte[] end = prefix.getBytes().clone();
    end[end.length - 1]++;
    ByteSequence rangeEnd = ByteSequence.from(end);
    ByteSequence from = prefix;
    long revision = 0;
    long pages = 0;
    while (true) {
      GetOption.Builder option = GetOption.builder().withRange(rangeEnd).withLimit(limit);
      if (revision > 0) {
        option.withRevision(revision);
      }
      GetResponse page = kv.get(from, option.build()).get(1, TimeUnit.MINUTES);
      pages++;
      if (revision == 0) {
        revision = page.getHeader().getRevision();
      }
      if (!page.isMore() || page.getKvs().isEmpty()) {
        return pages;
      }
      byte[] last = page.getKvs().get(page.getKvs().size() - 1).getKey().getBytes();
      from = ByteSequence.from(Arrays.copyOf(last, last.length + 1));
    }
  }

  private static ResultRow coldRow(String variant, String how, Contender contender, long millis, long floorMillis,
      EtcdCounters cost) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("method", how);
    c.put("ms", Long.toString(millis));
    c.put("vs one unpaginated Range", fmt("%.2fx", (double) millis / Math.max(1, floorMillis)));
    c.put("etcd Range RPCs", Long.toString(cost.range()));
    c.put("etcd CPU s", fmt("%.2f", cost.cpuSeconds()));
    return new ResultRow(COLD, variant, contender, c);
  }

  private static ResultRow memoryRow(String variant, String what, Contender contender, long bytes, KeySet keys,
      long heldResponse) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("held", what);
    c.put("retained MiB", fmt("%.1f", bytes / 1048576.0));
    c.put("bytes per key", fmt("%.0f", (double) bytes / keys.count()));
    c.put("raw key+value bytes per key", Integer.toString(KeySet.KEY_BYTES + KeySet.VALUE_BYTES));
    c.put("vs raw", fmt("%.2fx", (double) bytes / keys.rawBytes()));
    c.put("vs GetResponse held", fmt("%.2fx", (double) bytes / Math.max(1, heldResponse)));
    return new ResultRow(MEMORY, variant, contender, c);
  }

  static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
