package dev.etcdcache.benchmarks.cilium;

import dev.etcdcache.adapter.cilium.CiliumAdapter;
import dev.etcdcache.adapter.cilium.CiliumCache;
import dev.etcdcache.adapter.cilium.CiliumListener;
import dev.etcdcache.adapter.cilium.CiliumObject;
import dev.etcdcache.adapter.cilium.IpMappingChange;
import dev.etcdcache.adapter.cilium.IpPrefix;
import dev.etcdcache.api.CacheView;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Write-acknowledged-to-listener latency of an IP mapping change through {@link CiliumCache}, against
 * a plain jetcd watcher on the same prefix: the promise under test is "under 1 ms to its consumer"
 * (issue 11).
 *
 * <p>A local etcd ({@link EtcdCluster}, one member) is loaded with 50,000 endpoint IP mappings
 * under {@code cilium/state/ip/v1/default/<ip>} (half IPv4, half IPv6; values shaped like the real
 * {@code ip-identities.jsonl} records, the same shape as {@code CiliumCacheScaleTest}) and 5,000
 * identities. Then a {@link CachingClient}, a view over {@code cilium/} decoded by
 * {@link CiliumAdapter}, and a {@link CiliumCache} with one {@link CiliumListener} are opened, and a
 * plain jetcd watcher (its own client, prefix {@code cilium/}, from the revision after the load) is
 * started. One writer (a third client) puts IP mapping changes at a fixed rate, open loop: each
 * change moves one random endpoint to another identity, so every change is a real
 * {@link IpMappingChange}. Per change, matched by etcd revision:
 * <ul>
 *   <li><b>latency</b> = time the listener is called (cache) or the watch response arrives (direct,
 *       timestamped before anything else, no decode) minus time the put's response completed its
 *       future in the writer; a change delivered before its ack counts as 0 and is reported as
 *       "before ack";
 *   <li><b>missed</b> = acknowledged changes never delivered, <b>duplicates</b> = delivered more than
 *       once, <b>wrong</b> (cache only) = delivered with another identity than the one written.
 * </ul>
 * A warm-up at the same rate comes first (checked for exactly-once, not in the histograms). The
 * table goes to stdout and to {@code benchmarks/results/<date>-cilium-ip-latency.md} with the
 * machine and the command. Latencies are reported, never asserted.
 *
 * <p>Command (from the project root; {@code --quick} measures 5 s instead of 20 s; options
 * {@code --rate N} changes per second (200), {@code --seconds N}, {@code --endpoints N} (50,000),
 * {@code --results FILE}, {@code --delivery queued|inline|both}: which {@link CiliumCache} listener
 * paths to measure (both by default, two caches on one view in the same run: the default delivery
 * thread, and {@link CiliumCache#openInline} calling the listener on the mirror's applier)):
 * <pre>
 * mvn -B -o -q package -pl benchmarks -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.etcdcache.benchmarks.cilium.IpMappingLatencyHarness [--quick]
 * </pre>
 */
public final class IpMappingLatencyHarness {

  private static final String IP_PREFIX = "cilium/state/ip/v1/default/";
  private static final String ID_PREFIX = "cilium/state/identities/v1/id/";
  private static final int IDENTITIES = 5_000;
  private static final long FIRST_ID = 100_000;
  private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);

  private final PrintStream out = System.out;
  private final int endpoints;
  private final int rate;
  private final int seconds;
  private final int warmupSeconds;
  private final Path results;
  private final String command;
  private final List<Boolean> inlinePaths;

  private final Random random = new Random(42);
  private final List<IpPrefix> prefixes = new ArrayList<>();
  private long[] currentIds;

  /** Acknowledged changes by revision. */
  private final Map<Long, Ack> acks = new ConcurrentHashMap<>();
  /** Direct watcher arrivals by revision (first one). */
  private final Map<Long, Long> directSeen = new ConcurrentHashMap<>();
  private final AtomicLong directDuplicates = new AtomicLong();
  private final AtomicLong directOther = new AtomicLong();
  private final AtomicLong putFailures = new AtomicLong();
  private final AtomicReference<Throwable> directError = new AtomicReference<>();

  private IpMappingLatencyHarness(int endpoints, int rate, int seconds, int warmupSeconds, Path results, String command,
      List<Boolean> inlinePaths) {
    this.inlinePaths = inlinePaths;
    this.endpoints = endpoints;
    this.rate = rate;
    this.seconds = seconds;
    this.warmupSeconds = warmupSeconds;
    this.results = results;
    this.command = command;
  }

  /** Runs the harness; see the class comment for options. */
  public static void main(String[] args) throws Exception {
    int endpoints = 50_000;
    int rate = 200;
    Integer seconds = null;
    boolean quick = false;
    Path results = null;
    List<Boolean> inlinePaths = List.of(false, true);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--endpoints" -> endpoints = Integer.parseInt(args[++i]);
        case "--results" -> results = Path.of(args[++i]);
        case "--delivery" -> inlinePaths = switch (args[++i]) {
          case "queued" -> List.of(false);
          case "inline" -> List.of(true);
          case "both" -> List.of(false, true);
          default -> throw new IllegalArgumentException("--delivery queued|inline|both, not " + args[i]);
        };
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (--quick, --rate N, --seconds N, --endpoints N, --results FILE, --delivery queued|inline|both)");
      }
    }
    if (results == null) {
      results = Path.of("benchmarks/results/" + LocalDate.now(ZoneOffset.UTC) + "-cilium-ip-latency.md");
    }
    String command = "java -cp benchmarks/target/benchmarks.jar " + IpMappingLatencyHarness.class.getName()
        + (args.length == 0 ? "" : " " + String.join(" ", args));
    new IpMappingLatencyHarness(endpoints, rate, seconds != null ? seconds : quick ? 5 : 20, quick ? 1 : 3, results,
        command, inlinePaths).run();
  }

  private void run() throws Exception {
    String loadBefore = loadAverage();
    Path logs = Files.createDirectories(Path.of("benchmarks/target/etcd-logs"));
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).name("cilium-latency").logDir(logs).build().start();
         Client writer = etcd.newClient();
         Client watcherClient = etcd.newClient();
         Client upstream = etcd.newClient()) {
      String etcdVersion = writer.getMaintenanceClient().statusMember(etcd.clientEndpoints().get(0).toString())
          .get(10, TimeUnit.SECONDS).getVersion();
      CiliumAdapter adapter = CiliumAdapter.create();
      long loadStart = System.nanoTime();
      long loaded = load(writer.getKVClient());
      say("[cilium] loaded %,d endpoint IP mappings and %,d identities in %.1f s (revision %d)", endpoints, IDENTITIES,
          secondsSince(loadStart), loaded);

      long openStart = System.nanoTime();
      try (CachingClient cache = CachingClient.builder(upstream).build()) {
        if (!cache.awaitReady(Duration.ofMinutes(5))) {
          throw new IllegalStateException("the cache did not get ready");
        }
        try (CacheView<CiliumObject> view = cache.view(adapter.keys().viewPrefix(), adapter)) {
          List<CachePath> paths = new ArrayList<>();
          int prefixCount = 0;
          for (boolean inline : inlinePaths) {
            CiliumCache cilium = (inline ? CiliumCache.openInline(view) : CiliumCache.open(view)).get(5, TimeUnit.MINUTES);
            paths.add(new CachePath(inline, cilium));
            prefixCount = cilium.awaitRevision(loaded).get(5, TimeUnit.MINUTES).ipPrefixCount();
          }
          say("[cilium] mirror + view + %d CiliumCache(s) ready with %,d IP prefixes in %.1f s", paths.size(),
              prefixCount, secondsSince(openStart));

          WatchOption from = WatchOption.builder().isPrefix(true).withRevision(loaded + 1).build();
          List<AutoCloseable> registrations = new ArrayList<>();
          for (CachePath path : paths) {
            registrations.add(path.cilium.addListener(path));
          }
          Watch.Watcher direct = watcherClient.getWatchClient()
              .watch(bytes(adapter.keys().viewPrefix()), from, new DirectListener());
          try {
            Histogram putTimes = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            say("[cilium] warm-up %d s, then %d s at %d changes/s", warmupSeconds, seconds, rate);
            List<CompletableFuture<?>> puts = new ArrayList<>();
            write(writer.getKVClient(), warmupSeconds, false, puts, putTimes);
            write(writer.getKVClient(), seconds, true, puts, putTimes);
            CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).exceptionally(e -> null)
                .get(2, TimeUnit.MINUTES);
            drain(paths);
            report(etcdVersion, prefixCount, putTimes, loadBefore, paths, view.decodeFailures());
          } finally {
            direct.close();
            for (AutoCloseable r : registrations) {
              r.close();
            }
            paths.forEach(p -> p.cilium.close());
          }
        }
      }
    }
  }

  /** One CiliumCache on the shared view and its listener's arrivals. */
  private static final class CachePath implements CiliumListener {
    final boolean inline;
    final CiliumCache cilium;
    /** Listener arrivals by revision (first one), and the change delivered. */
    final Map<Long, Arrival> seen = new ConcurrentHashMap<>();
    final AtomicLong duplicates = new AtomicLong();

    CachePath(boolean inline, CiliumCache cilium) {
      this.inline = inline;
      this.cilium = cilium;
    }

    @Override
    public void onIpMappingChange(IpMappingChange change) {
      long now = System.nanoTime();
      if (seen.putIfAbsent(change.revision(), new Arrival(now, change)) != null) {
        duplicates.incrementAndGet();
      }
    }

    String name() {
      return inline
          ? "CiliumCache listener, inline (CiliumCache.openInline: called by the applier, no hand-off)"
          : "CiliumCache listener, queued (CachingClient → view → delivery thread → CiliumCache)";
    }
  }

  // --- load ------------------------------------------------------------------------------------

  /** Loads identities and endpoint mappings in batches of 128 puts per transaction; the last revision. */
  private long load(KV kv) throws Exception {
    currentIds = new long[endpoints];
    List<String[]> entries = new ArrayList<>();
    for (int i = 0; i < IDENTITIES; i++) {
      entries.add(new String[] {ID_PREFIX + (FIRST_ID + i), labels(i)});
    }
    for (int i = 0; i < endpoints; i++) {
      IpPrefix p = i % 2 == 0
          ? IpPrefix.ipv4(0x0AF40000 + i)
          : IpPrefix.parse("fd00:10:244:" + (i % 7) + "::" + Integer.toHexString(i));
      prefixes.add(p);
      currentIds[i] = FIRST_ID + random.nextInt(IDENTITIES);
      entries.add(new String[] {IP_PREFIX + p, ipValue(i, currentIds[i])});
    }
    long revision = 0;
    List<CompletableFuture<Long>> inFlight = new ArrayList<>();
    List<Op> batch = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      batch.add(Op.put(bytes(entries.get(i)[0]), bytes(entries.get(i)[1]), PutOption.DEFAULT));
      if (batch.size() == 128 || i == entries.size() - 1) {
        inFlight.add(kv.txn().Then(batch.toArray(new Op[0])).commit().thenApply(r -> r.getHeader().getRevision()));
        batch = new ArrayList<>();
        if (inFlight.size() == 8 || i == entries.size() - 1) {
          for (CompletableFuture<Long> f : inFlight) {
            revision = Math.max(revision, f.get(60, TimeUnit.SECONDS));
          }
          inFlight.clear();
        }
      }
    }
    return revision;
  }

  /** An IPIdentityPair as Cilium's agent writes it for a pod (the shape of ip-identities.jsonl). */
  private String ipValue(int n, long id) {
    IpPrefix prefix = prefixes.get(n);
    return "{\"IP\":\"" + prefix.address() + "\",\"HostIP\":\"172.18.0." + (2 + n % 50) + "\",\"ID\":" + id
        + ",\"Key\":0,\"Metadata\":\"\",\"K8sNamespace\":\"ns-" + (n % 97) + "\",\"K8sPodName\":\"pod-" + n
        + "\",\"K8sServiceAccount\":\"default\"" + (n % 3 == 0
            ? ",\"NamedPorts\":[{\"Name\":\"http\",\"Port\":8080,\"Protocol\":\"TCP\"}]" : "") + "}";
  }

  private static String labels(int i) {
    return "k8s:app=app-" + i + ";k8s:io.cilium.k8s.policy.cluster=cluster3;k8s:io.kubernetes.pod.namespace=ns-"
        + (i % 97) + ";";
  }

  // --- the changes -----------------------------------------------------------------------------

  /**
   * Puts {@code rate} changes a second for {@code duration} seconds, open loop (a put is sent at its
   * slot whether or not earlier ones were acknowledged). Each moves a random endpoint to another
   * identity; its ack is recorded by revision as soon as the put's future completes.
   */
  private void write(KV kv, int duration, boolean measured, List<CompletableFuture<?>> puts, Histogram putTimes) {
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    int count = duration * rate;
    long start = System.nanoTime();
    for (int k = 0; k < count; k++) {
      long slot = start + k * interval;
      long wait;
      while ((wait = slot - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      int n = random.nextInt(endpoints);
      long id = FIRST_ID + (currentIds[n] - FIRST_ID + 1 + random.nextInt(IDENTITIES - 1)) % IDENTITIES;
      currentIds[n] = id;
      IpPrefix prefix = prefixes.get(n);
      ByteSequence key = bytes(IP_PREFIX + prefix);
      ByteSequence value = bytes(ipValue(n, id));
      long sent = System.nanoTime();
      puts.add(kv.put(key, value).whenComplete((r, e) -> {
        long now = System.nanoTime();
        if (e != null) {
          putFailures.incrementAndGet();
          return;
        }
        acks.put(r.getHeader().getRevision(), new Ack(now, measured, prefix, id));
        if (measured) {
          synchronized (putTimes) {
            putTimes.recordValue(now - sent);
          }
        }
      }));
    }
  }

  /** Waits until both paths delivered every acknowledged change, or the drain timeout. */
  private void drain(List<CachePath> paths) throws InterruptedException {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
    while (System.nanoTime() < deadline) {
      if (acks.keySet().stream().allMatch(r -> directSeen.containsKey(r)
          && paths.stream().allMatch(p -> p.seen.containsKey(r)))) {
        break;
      }
      Thread.sleep(50);
    }
    Thread.sleep(200);   // late duplicates, if any
  }

  private final class DirectListener implements Watch.Listener {
    @Override
    public void onNext(WatchResponse response) {
      long now = System.nanoTime();
      for (WatchEvent event : response.getEvents()) {
        if (event.getEventType() != WatchEvent.EventType.PUT) {
          directOther.incrementAndGet();
          continue;
        }
        if (directSeen.putIfAbsent(event.getKeyValue().getModRevision(), now) != null) {
          directDuplicates.incrementAndGet();
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      directError.compareAndSet(null, throwable);
    }

    @Override
    public void onCompleted() {}
  }

  // --- the report ------------------------------------------------------------------------------

  private void report(String etcdVersion, int prefixCount, Histogram putTimes, String loadBefore,
      List<CachePath> paths, long decodeFailures) throws IOException {
    Result direct = new Result("plain jetcd watcher (raw event arrival, no decode)");
    List<Result> caches = new ArrayList<>();
    long unmeasured = 0;
    long listenerFailures = 0;
    for (CachePath path : paths) {
      Result cache = new Result(path.name());
      for (Map.Entry<Long, Ack> e : acks.entrySet()) {
        Ack ack = e.getValue();
        Arrival c = path.seen.get(e.getKey());
        if (c != null && (c.change.after() == null || c.change.after().id() != ack.id
            || !c.change.prefix().equals(ack.prefix))) {
          cache.wrong++;
        }
        cache.add(ack, c == null ? null : c.nanos);
        Long d = directSeen.get(e.getKey());
        if (ack.measured && c != null && d != null) {
          cache.overDirect.recordValue(Math.max(0, c.nanos - d));
        }
      }
      cache.duplicates = path.duplicates.get();
      cache.unexpected = path.seen.keySet().stream().filter(r -> !acks.containsKey(r)).count();
      listenerFailures += path.cilium.listenerFailures();
      caches.add(cache);
    }
    for (Map.Entry<Long, Ack> e : acks.entrySet()) {
      if (!e.getValue().measured) {
        unmeasured++;
      }
      direct.add(e.getValue(), directSeen.get(e.getKey()));
    }
    long directUnexpected = directSeen.keySet().stream().filter(r -> !acks.containsKey(r)).count();
    direct.duplicates = directDuplicates.get();
    direct.unexpected = directUnexpected + directOther.get();

    List<String> table = new ArrayList<>();
    table.add("| path | changes | p50 | p99 | p99.9 | max | delivered before ack | missed | duplicates | unexpected | wrong "
        + "| after direct arrival p50 / p99 |");
    table.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    caches.forEach(c -> table.add(c.row(true)));
    table.add(direct.row(false));
    String putLine = String.format(Locale.ROOT,
        "Put round trip (send → ack) in the same run, for scale: p50 %s, p99 %s, p99.9 %s, max %s.",
        micros(putTimes.getValueAtPercentile(50)), micros(putTimes.getValueAtPercentile(99)),
        micros(putTimes.getValueAtPercentile(99.9)), micros(putTimes.getMaxValue()));
    String checks = String.format(Locale.ROOT,
        "Warm-up changes (checked for exactly-once, not in the latencies): %,d. Put failures: %d. "
            + "Listener failures: %d. View decode failures: %d. Direct watcher error: %s.",
        unmeasured, putFailures.get(), listenerFailures, decodeFailures,
        directError.get() == null ? "none" : directError.get().toString());
    out.println();
    table.forEach(out::println);
    out.println();
    out.println(putLine);
    out.println(checks);

    String loadAfter = loadAverage();
    StringBuilder md = new StringBuilder();
    md.append("# Cilium IP mapping change: write-acknowledged-to-listener latency (")
        .append(LocalDate.now(ZoneOffset.UTC)).append(")\n\n");
    md.append("`IpMappingLatencyHarness` (issue 11; the seed promises under 1 ms to the consumer). A local etcd ")
        .append(etcdVersion).append(" (one member) holds ").append(String.format(Locale.ROOT, "%,d", endpoints))
        .append(" endpoint IP mappings shaped like the real `ip-identities.jsonl` records (half IPv4, half IPv6) and ")
        .append(String.format(Locale.ROOT, "%,d", IDENTITIES)).append(" identities; each CiliumCache (queued: listener on the view's delivery thread; inline: ")
        .append("`CiliumCache.openInline`, listener on the mirror's applier: its apply thread or, for a small revision, jetcd's event loop; both on one view in one run) holds ")
        .append(String.format(Locale.ROOT, "%,d", prefixCount)).append(" IP prefixes. One writer puts ")
        .append(rate).append(" IP mapping changes/s, open loop, for ").append(seconds).append(" s after a ")
        .append(warmupSeconds).append(" s warm-up; each moves a random endpoint to another identity. Latency per ")
        .append("change = listener call (cache) or watch response arrival (direct jetcd watcher on `cilium/`, its ")
        .append("own client, timestamped before any decode) minus the moment the put's future completed in the ")
        .append("writer, matched by revision; a change delivered before its ack counts as 0 (share in \"delivered ")
        .append("before ack\"). Every acknowledged change must be delivered exactly once: missed = never delivered, ")
        .append("duplicates = delivered again, unexpected = a revision no put of this run made, wrong = delivered ")
        .append("with another identity or prefix than written (cache only). \"After direct arrival\" (cache only): ")
        .append("listener call minus the direct watcher's arrival of the same change (0 if earlier), the cache's own ")
        .append("pipeline (its upstream watch, apply, view, delivery) with etcd's and the ack's delays taken out.\n\n");
    md.append("- Run at: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_INSTANT)).append('\n');
    md.append("- Command (from the project root, after `mvn -B -o -q package -pl benchmarks -DskipTests`): `")
        .append(command).append("`\n");
    md.append("- Machine: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ").append(memory()).append(", ").append(System.getProperty("os.name")).append(' ')
        .append(System.getProperty("os.version")).append("; load average before ").append(loadBefore)
        .append(", after ").append(loadAfter).append('\n');
    md.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
        .append(", flags ").append(ManagementFactory.getRuntimeMXBean().getInputArguments()).append("\n\n");
    table.forEach(l -> md.append(l).append('\n'));
    md.append('\n').append(putLine).append('\n').append(checks).append('\n');
    Files.createDirectories(results.toAbsolutePath().getParent());
    Files.writeString(results, md.toString());
    say("[cilium] results written to %s", results);
  }

  /** One path's latencies and delivery counts. */
  private static final class Result {
    final String name;
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    /** Cache paths: listener call minus the direct watcher's arrival of the same change (0 if earlier). */
    final Histogram overDirect = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    long changes;
    long beforeAck;
    long missed;
    long duplicates;
    long unexpected;
    long wrong;

    Result(String name) {
      this.name = name;
    }

    void add(Ack ack, Long seen) {
      if (seen == null) {
        missed++;   // warm-up changes included: every acknowledged change must arrive
        return;
      }
      if (!ack.measured) {
        return;
      }
      changes++;
      long delta = seen - ack.nanos;
      if (delta <= 0) {
        beforeAck++;
        delta = 0;
      }
      latency.recordValue(delta);
    }

    String row(boolean withWrong) {
      return String.format(Locale.ROOT, "| %s | %,d | %s | %s | %s | %s | %.1f%% | %d | %d | %d | %s |", name, changes,
          micros(latency.getValueAtPercentile(50)), micros(latency.getValueAtPercentile(99)),
          micros(latency.getValueAtPercentile(99.9)), micros(latency.getMaxValue()),
          changes == 0 ? 0.0 : 100.0 * beforeAck / changes, missed, duplicates, unexpected,
          withWrong ? Long.toString(wrong) : "–")
          + (withWrong ? " " + micros(overDirect.getValueAtPercentile(50)) + " / "
              + micros(overDirect.getValueAtPercentile(99)) + " |" : " – |");
    }
  }

  private record Ack(long nanos, boolean measured, IpPrefix prefix, long id) {}

  private record Arrival(long nanos, IpMappingChange change) {}

  // --- helpers ---------------------------------------------------------------------------------

  private static String micros(long nanos) {
    return String.format(Locale.ROOT, "%,.0f µs", nanos / 1000.0);
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " / " + parts[1] + " / " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  private static String memory() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
          .map(l -> String.format(Locale.ROOT, "%.0f GB RAM",
              Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
          .findFirst().orElse("unknown RAM");
    } catch (IOException | RuntimeException e) {
      return "unknown RAM";
    }
  }

  private void say(String format, Object... args) {
    out.println(String.format(Locale.ROOT, format, args));
  }

  private static double secondsSince(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
