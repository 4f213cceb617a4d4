package dev.etcdcache.benchmarks.ondemand;

import dev.etcdcache.api.CacheOnDemand;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.OnDemandPrefixes;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * On-demand prefixes (issue 21), in one run against a local etcd:
 * <ol>
 *   <li><b>Zipf over 1,000 prefixes</b>: 1,000 prefixes under {@code /od/} of {@code --keys} keys each;
 *       for each memory budget (5, 10, 20, 50 % of what a cache of the whole keyspace holds, by the
 *       cache's own estimate) a new cache with {@code onDemand(children("/od/"))} serves
 *       {@code --reads} serializable prefix lists drawn Zipf(s = 1) over the prefixes, one caller,
 *       while a writer changes random keys at about 100 writes/s. Reported: hit rate (all reads, and
 *       the second half), reads sent to etcd, bootstraps, drops, etcd Range RPCs during the run, and
 *       every {@code --verify-every}-th answer compared with etcd's at the answer's revision (any
 *       difference stops the run).</li>
 *   <li><b>First access of a 10k-key prefix</b>: a new cache's first read of it (answered by etcd
 *       while the bootstrap starts) and the time until the prefix is served from memory, against one
 *       direct Range of the prefix measured in the same run (median of the repeats).</li>
 * </ol>
 * Latencies and rates are reported, never asserted. Command (from the project root):
 * <pre>
 * mvn -B -q -o -pl benchmarks -am package -DskipTests
 * java -Xmx2g -cp benchmarks/target/benchmarks.jar dev.etcdcache.benchmarks.ondemand.OnDemandHarness \
 *     --out benchmarks/results
 * </pre>
 */
public final class OnDemandHarness {

  private static final String ROOT = "/od/";
  private static final int PREFIXES = 1000;
  private static final double[] BUDGETS = {0.05, 0.10, 0.20, 0.50};

  private final PrintStream out = System.out;
  private final int keysPerPrefix;
  private final int reads;
  private final int verifyEvery;
  private final int repeats;
  private final Path outDir;
  /** The Zipf caches' onDemandWait; null: the default. */
  private final Duration wait;

  private OnDemandHarness(int keysPerPrefix, int reads, int verifyEvery, int repeats, Path outDir, Duration wait) {
    this.wait = wait;
    this.keysPerPrefix = keysPerPrefix;
    this.reads = reads;
    this.verifyEvery = verifyEvery;
    this.repeats = repeats;
    this.outDir = outDir;
  }

  /**
   * Runs the harness: {@code --keys N --reads N --verify-every N --repeats N --out DIR}, and
   * {@code --first-access-only} for the first-access table alone (printed, no files written).
   */
  public static void main(String[] args) throws Exception {
    int keys = 20;
    int reads = 20_000;
    int verifyEvery = 20;
    int repeats = 5;
    Path out = Path.of("benchmarks/results");
    Duration wait = null;
    boolean firstAccessOnly = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--keys" -> keys = Integer.parseInt(args[++i]);
        case "--reads" -> reads = Integer.parseInt(args[++i]);
        case "--verify-every" -> verifyEvery = Integer.parseInt(args[++i]);
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--wait-ms" -> wait = Duration.ofMillis(Long.parseLong(args[++i]));
        case "--first-access-only" -> firstAccessOnly = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    OnDemandHarness harness = new OnDemandHarness(keys, reads, verifyEvery, repeats, out, wait);
    if (firstAccessOnly) {
      harness.runFirstAccess();
    } else {
      harness.run();
    }
  }

  private void runFirstAccess() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).name("ondemand-first-access").build().start();
        Client client = etcd.newClient()) {
      out.println(firstAccess(client));
    }
  }

  private void run() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).name("ondemand-bench").build().start();
        Client client = etcd.newClient()) {
      KV kv = client.getKVClient();
      load(kv);
      long keyspace = keyspaceBytes(client);
      out.printf(Locale.ROOT, "keyspace: %,d prefixes x %d keys, %,d estimated bytes mirrored whole%n", PREFIXES,
          keysPerPrefix, keyspace);
      StringBuilder table = new StringBuilder();
      table.append("| budget | budget bytes | reads | hit rate | hit rate, 2nd half | to etcd | bootstraps | drops "
          + "| etcd Ranges | verified | differences |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
      List<double[]> curve = new ArrayList<>();
      for (double share : BUDGETS) {
        double[] row = zipf(etcd, client, share, (long) (keyspace * share), table);
        curve.add(row);
      }
      String firstAccess = firstAccess(client);
      out.println();
      out.print(table);
      out.println(firstAccess);
      Files.createDirectories(outDir);
      Files.writeString(outDir.resolve("2026-12-04-on-demand-zipf.md"), table + "\n" + firstAccess + "\n");
      chart(curve, outDir.resolve("2026-12-04-on-demand-hit-rate.png"));
    }
  }

  private void load(KV kv) throws Exception {
    byte[] value = new byte[256];
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    for (int p = 0; p < PREFIXES; p++) {
      for (int k = 0; k < keysPerPrefix; k++) {
        value[0] = (byte) k;
        inFlight.add(kv.put(key(p, k), ByteSequence.from(value)));
        if (inFlight.size() >= 256) {
          CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
          inFlight.clear();
        }
      }
    }
    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
  }

  /** What a cache of the whole of {@code /od/} estimates it holds: the keyspace the budgets are shares of. */
  private static long keyspaceBytes(Client client) throws InterruptedException {
    try (CachingClient whole = CachingClient.builder(client).prefixes(bytes(ROOT)).build()) {
      if (!whole.awaitReady(Duration.ofMinutes(2))) {
        throw new IllegalStateException("the whole-keyspace cache was not ready: " + whole.status());
      }
      return whole.memory().retainedBytes();
    }
  }

  /** One budget: returns {share, hit rate, second-half hit rate}. */
  private double[] zipf(EtcdCluster etcd, Client client, double share, long budget, StringBuilder table)
      throws Exception {
    double[] cdf = zipfCdf(PREFIXES, 1.0);
    Random random = new Random(21);
    KV direct = client.getKVClient();
    Writer writer = new Writer(direct);
    long verified = 0;
    long secondHalfHits = 0;
    long secondHalfReads = 0;
    CachingClient.Builder builder = CachingClient.builder(client).onDemand(OnDemandPrefixes.children(bytes(ROOT)))
        .memoryBudget(budget);
    if (wait != null) {
      builder.onDemandWait(wait);
    }
    try (CachingClient cache = builder.build()) {
      if (!cache.awaitReady(Duration.ofMinutes(1))) {
        throw new IllegalStateException("not ready: " + cache.status());
      }
      double ranges0 = ranges(etcd);
      writer.start();
      GetOption list = GetOption.builder().isPrefix(true).withSerializable(true).build();
      CacheOnDemand half = null;
      long t0 = System.nanoTime();
      for (int i = 0; i < reads; i++) {
        if (i == reads / 2) {
          half = cache.onDemand();
        }
        int p = sample(cdf, random);
        ByteSequence prefix = bytes(prefix(p));
        GetResponse answer = cache.getKVClient().get(prefix, list).get(30, TimeUnit.SECONDS);
        if (i % verifyEvery == 0) {
          GetResponse etcdThen = direct.get(prefix, GetOption.builder().isPrefix(true)
              .withRevision(answer.getHeader().getRevision()).build()).get(30, TimeUnit.SECONDS);
          if (!render(answer.getKvs()).equals(render(etcdThen.getKvs())) || answer.getCount() != etcdThen.getCount()) {
            throw new IllegalStateException("the cache's answer for " + prefix(p) + " at revision "
                + answer.getHeader().getRevision() + " differs from etcd's");
          }
          verified++;
        }
      }
      long elapsed = System.nanoTime() - t0;
      writer.stop();
      double rangesUsed = ranges(etcd) - ranges0;
      CacheOnDemand r = cache.onDemand();
      secondHalfHits = r.hits() - half.hits();
      secondHalfReads = (r.hits() + r.passes()) - (half.hits() + half.passes());
      double secondHalf = (double) secondHalfHits / Math.max(1, secondHalfReads);
      table.append(String.format(Locale.ROOT, "| %d %% | %,d | %,d | %.1f %% | %.1f %% | %,d | %,d | %,d | %,.0f | %,d | 0 |%n",
          Math.round(share * 100), budget, reads, 100 * r.hitRate(), 100 * secondHalf, r.passes(), r.bootstraps(),
          r.drops(), rangesUsed, verified));
      out.printf(Locale.ROOT, "budget %.0f%%: %s, %d writes, %.1f s, memory %s%n", share * 100, r, writer.writes,
          elapsed / 1e9, cache.memory());
      return new double[] {share, r.hitRate(), secondHalf};
    } finally {
      writer.stop();
    }
  }

  /** First access of a 10k-key prefix against one direct Range of it, medians of {@code repeats}. */
  private String firstAccess(Client client) throws Exception {
    KV kv = client.getKVClient();
    byte[] value = new byte[256];
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    for (int k = 0; k < 10_000; k++) {
      inFlight.add(kv.put(bytes(String.format("/big/p/%05d", k)), ByteSequence.from(value)));
    }
    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    ByteSequence prefix = bytes("/big/p/");
    GetOption list = GetOption.builder().isPrefix(true).build();
    long[] direct = new long[repeats];
    long[] first = new long[repeats];
    long[] served = new long[repeats];
    long[] memory = new long[repeats];
    long[] waited = new long[repeats];
    int waitedHits = 0;
    long pages = 0;
    String loadBefore = loadAverage();
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      kv.get(prefix, list).get(1, TimeUnit.MINUTES);
      direct[i] = System.nanoTime() - t0;
      // The default: the first read waits (up to 1 s) for the bootstrap and is served from memory.
      try (CachingClient cache = CachingClient.builder(client).onDemand(OnDemandPrefixes.children(bytes("/big/")))
          .build()) {
        if (!cache.awaitReady(Duration.ofMinutes(1))) {
          throw new IllegalStateException("not ready: " + cache.status());
        }
        long pagesAtStart = cache.stats().bootstrapRpcs(); // the on-demand mirror's sample at start
        long t1 = System.nanoTime();
        GetResponse r = cache.getKVClient().get(prefix, list).get(1, TimeUnit.MINUTES);
        waited[i] = System.nanoTime() - t1;
        waitedHits += (int) cache.onDemand().hits();
        pages += cache.stats().bootstrapRpcs() - pagesAtStart;
        if (r.getKvs().size() != 10_000) {
          throw new IllegalStateException("unexpected first-access answer: " + cache.onDemand());
        }
      }
      // Without waiting: etcd answers the first read while the bootstrap runs.
      try (CachingClient cache = CachingClient.builder(client).onDemand(OnDemandPrefixes.children(bytes("/big/")))
          .onDemandWait(Duration.ZERO).build()) {
        if (!cache.awaitReady(Duration.ofMinutes(1))) {
          throw new IllegalStateException("not ready: " + cache.status());
        }
        long t1 = System.nanoTime();
        GetResponse r = cache.getKVClient().get(prefix, list).get(1, TimeUnit.MINUTES);
        first[i] = System.nanoTime() - t1;
        while (cache.onDemand().mirroredPrefixes() == 0) {
          Thread.sleep(1);
        }
        served[i] = System.nanoTime() - t1;
        long t2 = System.nanoTime();
        GetResponse again = cache.getKVClient().get(prefix, list).get(1, TimeUnit.MINUTES);
        memory[i] = System.nanoTime() - t2;
        if (r.getKvs().size() != 10_000 || again.getKvs().size() != 10_000 || cache.onDemand().hits() != 1) {
          throw new IllegalStateException("unexpected first-access answers: " + cache.onDemand());
        }
      }
    }
    double d = median(direct) / 1e6;
    double f = median(first) / 1e6;
    double s = median(served) / 1e6;
    double m = median(memory) / 1e6;
    double w = median(waited) / 1e6;
    return String.format(Locale.ROOT, "First access of a 10,000-key prefix (256 B values), median of %d, "
        + "linearizable; load average %s before, %s after; bootstrap Range pages per waiting first read: %.1f"
        + "%n%n| measure | ms | ratio to one direct Range |%n|---|---|---|%n"
        + "| one direct Range of the prefix | %.1f | 1.00 |%n"
        + "| first read, waiting for the bootstrap (default onDemandWait 1 s; hits: %d of %d) | %.1f | %.2f |%n"
        + "| first read, onDemandWait 0 (etcd answers; the bootstrap starts) | %.1f | %.2f |%n"
        + "| onDemandWait 0: first read until the prefix is served from memory | %.1f | %.2f |%n"
        + "| next read (from memory) | %.1f | %.2f |%n", repeats, loadBefore, loadAverage(),
        (double) pages / repeats, d, waitedHits, repeats, w, w / d, f, f / d, s,
        s / d, m, m / d);
  }

  private static void chart(List<double[]> curve, Path png) throws Exception {
    XYChart chart = new XYChartBuilder().width(720).height(420)
        .title("On-demand prefixes: hit rate vs memory budget (Zipf s=1 over 1,000 prefixes)")
        .xAxisTitle("budget, % of the keyspace's estimated bytes").yAxisTitle("reads served from memory, %").build();
    double[] x = curve.stream().mapToDouble(r -> 100 * r[0]).toArray();
    chart.addSeries("all reads", x, curve.stream().mapToDouble(r -> 100 * r[1]).toArray());
    chart.addSeries("second half", x, curve.stream().mapToDouble(r -> 100 * r[2]).toArray());
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Writes random keys of random prefixes at about 100 writes/s, one at a time. */
  private final class Writer {
    private final KV kv;
    private volatile boolean running;
    private Thread thread;
    long writes;

    Writer(KV kv) {
      this.kv = kv;
    }

    void start() {
      running = true;
      thread = new Thread(() -> {
        Random random = new Random(7);
        while (running) {
          try {
            kv.put(key(random.nextInt(PREFIXES), random.nextInt(keysPerPrefix)), bytes("w" + writes)).get();
            writes++;
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      }, "on-demand-writer");
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      if (thread != null) {
        thread.join(10_000);
      }
    }
  }

  private static double[] zipfCdf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return cdf;
  }

  private static int sample(double[] cdf, Random random) {
    int i = Arrays.binarySearch(cdf, random.nextDouble());
    return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
  }

  private static double ranges(EtcdCluster etcd) {
    return etcd.member(0).metrics().value("grpc_server_handled_total", Map.of("grpc_method", "Range"));
  }

  /** The 1-minute load average (a loaded machine makes every figure here slower, the ratios noisier). */
  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static List<String> render(List<KeyValue> kvs) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : kvs) {
      out.add(kv.getKey().toString(StandardCharsets.UTF_8) + "@" + kv.getCreateRevision() + "/" + kv.getModRevision()
          + "/" + kv.getVersion() + "/" + kv.getLease() + "=" + Arrays.hashCode(kv.getValue().getBytes()));
    }
    return out;
  }

  private static String prefix(int p) {
    return String.format("%sp%04d/", ROOT, p);
  }

  private static ByteSequence key(int p, int k) {
    return bytes(prefix(p) + String.format("k%03d", k));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
