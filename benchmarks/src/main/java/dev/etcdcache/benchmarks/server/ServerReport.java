package dev.etcdcache.benchmarks.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server harness's markdown report, {@code <out>/<date>-cache-server.md}: the command, the
 * machine and what else ran on it, the goals as met or not met with the measured bound, and
 * one table per part with ratios to direct etcd and to grpc-proxy from the same run. Not
 * thread-safe.
 */
final class ServerReport {

  private final ServerOptions options;
  private final String[] args;
  private final List<String> goals = new ArrayList<>();
  private final StringBuilder sections = new StringBuilder();
  private String etcdVersion = "unknown";
  private String loadAtStart = "";
  private String loadAtEnd = "";
  private String othersAtStart = "";
  private String idleStreams = "not read";
  private List<RangeRows.Cell> range = List.of();
  private List<WatchFanOut.Cell> watch = List.of();
  private List<Freshness.Outcome> fresh = List.of();

  ServerReport(ServerOptions options, String[] args) {
    this.options = options;
    this.args = args.clone();
  }

  void etcdVersion(String version) {
    this.etcdVersion = version;
  }

  void machineAtStart() {
    loadAtStart = loadAverage();
    othersAtStart = otherProcesses();
  }

  /** etcd's watch streams and watchers held with both proxies started and no client, minus before them. */
  void idleWatchStreams(long streams, long watchers) {
    idleStreams = fmt("%d watch streams, %d watchers (grpc-proxy and cache-server together, no client yet)", streams,
        watchers);
  }

  void machineAtEnd() {
    loadAtEnd = loadAverage();
  }

  void range(List<RangeRows.Cell> cells) {
    this.range = List.copyOf(cells);
    StringBuilder md = sections.append("## Range rows\n\n").append(fmt("Closed loop: each connection (its own "
        + "grpc-java Netty channel, i.e. TCP connection) keeps one Range outstanding; %.1f s warm-up, then %.1f s "
        + "measured; contenders run back to back per cell, order rotated cell to cell. Every kv's key and value "
        + "bytes are read; a response with the wrong kv count is an error. `etcd Range` is etcd's own "
        + "`grpc_server_handled_total{grpc_method=\"Range\"}` during the window (cache-server's linearizable reads "
        + "cost it count-only probes there). CPU columns: seconds each process used during the window (etcd from its "
        + "`process_cpu_seconds_total`, proxies and the harness from `/proc/<pid>/stat`) — on 2 shared cores they "
        + "show who the bottleneck was. 100k keys of 41 B + 256 B, loaded once through direct etcd.\n\n",
        options.warmup().toMillis() / 1e3, options.window().toMillis() / 1e3))
        .append(fmt("Before the first cell every row ran unmeasured for %.1f s on every contender at 16 connections "
            + "(JIT of the cache-server JVM, grpc-proxy's cache).\n\n", options.rowWarmup().toMillis() / 1e3));
    md.append("| row | conns | direct ops/s | grpc-proxy ops/s | cache-server ops/s | cache-server / direct "
        + "| cache-server / grpc-proxy | grpc-proxy / direct | p50 µs d / p / c | p99 µs d / p / c "
        + "| etcd Range d / p / c | errors d / p / c | etcd CPU s d / p / c | proxy CPU s p / c | client CPU s d / p / c |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (RangeRows.Cell cell : cells) {
      RangeLoop.Outcome d = cell.outcomes().get(Contender.DIRECT);
      RangeLoop.Outcome p = cell.outcomes().get(Contender.GRPC_PROXY);
      RangeLoop.Outcome c = cell.outcomes().get(Contender.CACHE_SERVER);
      md.append(fmt("| %s | %d | %,.0f | %,.0f | %,.0f | **%.1f×** | **%.1f×** | %.1f× | %.0f / %.0f / %.0f "
              + "| %.0f / %.0f / %.0f | %,d / %,d / %,d | %d / %d / %d | %.1f / %.1f / %.1f | %.1f / %.1f "
              + "| %.1f / %.1f / %.1f |\n",
          cell.row().name(), cell.connections(), d.opsPerSecond(), p.opsPerSecond(), c.opsPerSecond(),
          ratio(c.opsPerSecond(), d.opsPerSecond()), ratio(c.opsPerSecond(), p.opsPerSecond()),
          ratio(p.opsPerSecond(), d.opsPerSecond()), d.p50Micros(), p.p50Micros(), c.p50Micros(), d.p99Micros(),
          p.p99Micros(), c.p99Micros(), d.etcd().range(), p.etcd().range(), c.etcd().range(), d.errors() + d.wrong(),
          p.errors() + p.wrong(), c.errors() + c.wrong(), d.etcd().cpuSeconds(), p.etcd().cpuSeconds(),
          c.etcd().cpuSeconds(), p.proxyCpuSeconds(), c.proxyCpuSeconds(), d.clientCpuSeconds(),
          p.clientCpuSeconds(), c.clientCpuSeconds()));
    }
    md.append('\n');
  }

  void watch(List<WatchFanOut.Cell> cells) {
    this.watch = List.copyOf(cells);
    StringBuilder md = sections.append("## Watch fan-out\n\n").append(fmt("%,d raw Watch streams through each "
        + "contender (one prefix watch each, all on the same prefix, spread over %d connections); an open-loop "
        + "writer on its own connection Puts straight to etcd at the given rate over 100 keys, %.0f s warm-up then "
        + "%.0f s measured, then up to %.0f s to drain. **From ack**: receive time minus the time the Put's "
        + "acknowledgement reached the writer (events arriving before it count 0, see \"before ack\"); **from "
        + "send**: minus the send time carried in the value. Missed: acknowledged Puts (warm-up included) not "
        + "received on a stream after the drain (a contender that falls behind shows its backlog here). "
        + "Streams/watchers held: etcd's `etcd_debugging_mvcc_watch_stream_total`/`_watcher_total` with every "
        + "stream created, minus before any proxy started (cache-server's includes its mirror's own watch, and a "
        + "cell can include a stream grpc-proxy keeps after its own cell); streams added: with every stream created "
        + "minus just before this cell's clients connected. Every contender first serves one unmeasured fan-out at the "
        + "highest rate (JIT warm-up of the cache-server JVM). CPU: "
        + "seconds used from the first write until all deliveries arrived or the drain ended (busy s).\n\n",
        options.watchStreams(), options.watchConnections(), options.watchWarmup().toMillis() / 1e3,
        options.watchWindow().toMillis() / 1e3, options.watchDrain().toMillis() / 1e3));
    md.append("| writes/s | contender | p50 ms from ack | p99 ms from ack | p99.9 ms from ack | p50 ms from send "
        + "| p99 ms from send | before ack | expected deliveries | delivered | missed | duplicates | streams canceled "
        + "| etcd watch streams held | etcd watchers held | streams added | create all ms | write errors | busy s | CPU s etcd / proxy / client "
        + "| p99 vs direct | p99 vs grpc-proxy |\n");
    md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
    for (WatchFanOut.Cell c : cells) {
      WatchFanOut.Cell direct = find(cells, Contender.DIRECT, c.rate());
      WatchFanOut.Cell proxy = find(cells, Contender.GRPC_PROXY, c.rate());
      md.append(fmt("| %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f%% | %,d | %,d | %,d | %,d | %d | %d | %d | %d "
              + "| %d | %d | %.1f | %.1f / %.1f / %.1f | %s | %s |\n",
          c.rate(), c.contender().label(), c.p50Millis(), c.p99Millis(), c.fromAck().getValueAtPercentile(99.9) / 1e6,
          c.fromSend().getValueAtPercentile(50) / 1e6, c.fromSend().getValueAtPercentile(99) / 1e6,
          100.0 * c.beforeAck() / Math.max(1, c.fromAck().getTotalCount()), c.expected(), c.delivered(), c.missed(),
          c.duplicates(), c.canceled(), c.streamsHeld(), c.watchersHeld(), c.streamsAdded(), c.createMillis(),
          c.writeErrors(),
          c.busySeconds(), c.etcdCpu(), c.proxyCpu(), c.clientCpu(),
          direct == null ? "" : fmt("%.3f×", c.p99Millis() / Math.max(1e-3, direct.p99Millis())),
          proxy == null ? "" : fmt("%.3f×", c.p99Millis() / Math.max(1e-3, proxy.p99Millis()))));
    }
    md.append('\n');
  }

  void freshness(List<Freshness.Outcome> outcomes) {
    this.fresh = List.copyOf(outcomes);
    StringBuilder md = sections.append("## Freshness\n\n").append(fmt("%,d rounds per contender: Put a key straight "
        + "to etcd, then at once read it through the contender, serializable and then linearizable. Stale: the "
        + "answer's mod revision is older than the Put's (or the key is missing). etcd's grpc-proxy caches "
        + "serializable answers and invalidates them only for writes that pass through it (etcd #14665).\n\n",
        options.freshnessRounds()));
    md.append("| contender | stale serializable | max lag (revisions) | stale linearizable | max lag (revisions) | errors |\n");
    md.append("|---|---:|---:|---:|---:|---:|\n");
    for (Freshness.Outcome f : outcomes) {
      md.append(fmt("| %s | %d of %d | %d | %d of %d | %d | %d |\n", f.contender().label(), f.staleSerializable(),
          f.rounds(), f.maxLagSerializable(), f.staleLinearizable(), f.rounds(), f.maxLagLinearizable(), f.errors()));
    }
    md.append('\n');
  }

  void memory(List<ServerMemory.Growth> growth) {
    StringBuilder md = sections.append("## Memory per connection and per watch\n\n").append(fmt("Opening %,d "
        + "connections to the contender (each answers one Range), then %,d watch streams (one quiet prefix watch "
        + "each, spread over those connections). cache-server: heap used after full GCs in its JVM (MemoryMXBean, "
        + "least of 3 readings), and its VmRSS; grpc-proxy and etcd: VmRSS, which includes Go garbage not yet "
        + "returned to the OS (a rough upper bound). Per watch = growth from the connections-only reading.\n\n",
        options.memoryConnections(), options.memoryWatches()));
    md.append("| contender | measured as | connections | watches created | bytes per connection | bytes per watch |\n");
    md.append("|---|---|---:|---:|---:|---:|\n");
    for (ServerMemory.Growth g : growth) {
      md.append(fmt("| %s | %s | %,d | %,d | %,.0f | %,.0f |\n", g.contender().label(), g.measure(), g.connections(),
          g.createdWatches(), g.bytesPerConnection(), g.bytesPerWatch()));
    }
    md.append('\n');
  }

  Path write(String date, double wallSeconds) throws IOException {
    goals();
    StringBuilder md = new StringBuilder();
    md.append("# cache-server benchmark: ").append(date).append(" (").append(options.quick() ? "quick" : "default")
        .append(")\n\n");
    md.append("Command: `bash scripts/bench-server.sh").append(args.length == 0 ? "" : " " + String.join(" ", args))
        .append("` (builds with `mvn -B -ntp -q -pl benchmarks -am package -DskipTests`, then runs `java -Xms2g "
            + "-Xmx4g -cp benchmarks/target/benchmarks.jar dev.etcdcache.benchmarks.server.ServerLoadHarness`); ")
        .append(fmt("%.0f s wall.\n\n", wallSeconds));
    md.append("Contenders, all in front of the same local etcd ").append(etcdVersion).append(" (one member, "
        + "loopback, started by cache-testing's `EtcdCluster`): **direct etcd**; **etcd's grpc-proxy** "
        + "(`etcd grpc-proxy start --endpoints=… --listen-addr=127.0.0.1:<free port>`, a child process ended by "
        + "PID); **cache-server**, a child JVM (`CacheServerChild`: `CacheServer.start(\"--endpoints=…\", "
        + "\"--listen-addr=127.0.0.1:0\")`, default flags: whole keyspace mirrored, linearizable default; "
        + "JVM options: " + (options.serverJvmOptions().isEmpty() ? "none, as `scripts/cache-server.sh`"
            : "`" + String.join(" ", options.serverJvmOptions()) + "`") + "). A child JVM, not in-process, "
        + "because in one JVM grpc-java's client and server share the default Netty event-loop group, heap and GC "
        + "with the load generator (a first in-process run measured that contention, not the server); as its "
        + "own process it stands where grpc-proxy stands, and its heap is read in the child (MemoryMXBean after "
        + "full GCs) on request. Clients are raw "
        + "grpc-java stubs from jetcd-grpc (`KVGrpc`, `WatchGrpc`) over Netty channels, as a Go client or "
        + "etcdctl talks on the wire. Every figure is a ratio within this run; the machine is shared and noisy, "
        + "so absolute numbers are not comparable across runs.\n\n");
    md.append("## Machine\n\n| | |\n|---|---|\n")
        .append("| CPU | ").append(cpuModel()).append(" |\n")
        .append("| cores | ").append(Runtime.getRuntime().availableProcessors()).append(" (shared by etcd, grpc-proxy, "
            + "cache-server, the load generator, and other engineers' builds and tests) |\n")
        .append("| JVM | ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append(", max heap ")
        .append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB, ")
        .append(ManagementFactory.getGarbageCollectorMXBeans().get(0).getName()).append(" |\n")
        .append("| load average (1/5/15 min) at start | ").append(loadAtStart).append(" |\n")
        .append("| load average at end | ").append(loadAtEnd).append(" |\n")
        .append("| other busy processes at start | ").append(othersAtStart).append(" |\n")
        .append("| etcd watch load of the idle proxies | ").append(idleStreams).append(" |\n\n");
    md.append("## Goals\n\n| goal | measured | |\n|---|---|---|\n");
    goals.forEach(g -> md.append(g).append('\n'));
    md.append('\n').append(sections);
    Files.createDirectories(options.outDir());
    Path file = options.outDir().resolve(date + "-cache-server.md");
    Files.writeString(file, md);
    return file;
  }

  private void goals() {
    goals.clear();
    RangeRows.Cell ser = cell("point Range, serializable", 64);
    if (ser != null) {
      double r = ratio(ser.outcomes().get(Contender.CACHE_SERVER).opsPerSecond(),
          ser.outcomes().get(Contender.DIRECT).opsPerSecond());
      goal("serializable Range ≥ 10× direct etcd at 64 connections", fmt("%.1f×", r), r >= 10);
    }
    RangeRows.Cell lin = cell("point Range, linearizable", 64);
    if (lin != null) {
      RangeLoop.Outcome c = lin.outcomes().get(Contender.CACHE_SERVER);
      double r = ratio(c.opsPerSecond(), lin.outcomes().get(Contender.DIRECT).opsPerSecond());
      goal("linearizable Range ≥ 3× direct etcd at 64 connections", fmt("%.1f× (1 etcd Range per %.1f reads)", r,
          c.completed() / (double) Math.max(1, c.etcd().range())), r >= 3);
    }
    WatchFanOut.Cell w = target(Contender.CACHE_SERVER);
    if (w != null) {
      goal(fmt("watch fan-out (%,d streams, %d writes/s) p99 ≤ 50 ms on one upstream stream", options.watchStreams(),
              w.rate()),
          fmt("p99 %.2f ms from ack; etcd watch streams added by its 1,000 clients: %d (its mirror's one stream"
              + " predates them); %,d missed, %,d duplicates", w.p99Millis(), w.streamsAdded(), w.missed(), w.duplicates()),
          w.p99Millis() <= 50 && w.streamsAdded() == 0 && w.missed() == 0 && w.duplicates() == 0);
    }
    if (!range.isEmpty() || !watch.isEmpty() || !fresh.isEmpty()) {
      List<String> behind = new ArrayList<>();
      double lowest = Double.POSITIVE_INFINITY;
      for (RangeRows.Cell cell : range) {
        double r = ratio(cell.outcomes().get(Contender.CACHE_SERVER).opsPerSecond(),
            cell.outcomes().get(Contender.GRPC_PROXY).opsPerSecond());
        lowest = Math.min(lowest, r);
        if (r < 1) {
          behind.add(fmt("%s at %d conns %.2f×", cell.row().name(), cell.connections(), r));
        }
      }
      WatchFanOut.Cell p = target(Contender.GRPC_PROXY);
      if (w != null && p != null && w.p99Millis() > p.p99Millis()) {
        behind.add(fmt("watch p99 %.2f vs %.2f ms", w.p99Millis(), p.p99Millis()));
      }
      Freshness.Outcome f = fresh.stream().filter(x -> x.contender() == Contender.CACHE_SERVER).findFirst().orElse(null);
      String stale = f == null ? "freshness not run"
          : fmt("cache-server stale linearizable %d of %d (serializable %d)", f.staleLinearizable(), f.rounds(),
              f.staleSerializable());
      goal("ahead of grpc-proxy on every row while never stale",
          fmt("lowest Range throughput cache-server / grpc-proxy %.2f× over %d cells; behind in: %s; %s", lowest,
              range.size(), behind.isEmpty() ? "none" : String.join("; ", behind), stale),
          behind.isEmpty() && f != null && f.staleLinearizable() == 0 && !range.isEmpty());
    }
  }

  private void goal(String goal, String measured, boolean met) {
    goals.add("| " + goal + " | " + measured + " | " + (met ? "met" : "**not met**") + " |");
  }

  private RangeRows.Cell cell(String row, int connections) {
    return range.stream().filter(c -> c.row().name().equals(row) && c.connections() == connections).findFirst()
        .orElse(null);
  }

  private static WatchFanOut.Cell find(List<WatchFanOut.Cell> cells, Contender c, int rate) {
    return cells.stream().filter(x -> x.contender() == c && x.rate() == rate).findFirst().orElse(null);
  }

  /** The brief's shape: the highest writer rate. */
  private WatchFanOut.Cell target(Contender c) {
    int rate = options.writeRates().stream().mapToInt(Integer::intValue).max().orElse(0);
    return find(watch, c, rate);
  }

  private static double ratio(double a, double b) {
    return b == 0 ? Double.NaN : a / b;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** The busiest other processes by CPU share since they started, from {@code ps}, as short names. */
  private static String otherProcesses() {
    try {
      Process ps = new ProcessBuilder("ps", "-eo", "pid,pcpu,args", "--sort=-pcpu", "--no-headers")
          .redirectErrorStream(true).start();
      String text = new String(ps.getInputStream().readAllBytes());
      ps.waitFor(5, TimeUnit.SECONDS);
      long self = ProcessHandle.current().pid();
      List<String> busy = new ArrayList<>();
      for (String line : text.split("\n")) {
        String[] f = line.trim().split("\\s+", 3);
        if (f.length < 3 || Long.parseLong(f[0]) == self || Double.parseDouble(f[1]) < 5 || busy.size() >= 6) {
          continue;
        }
        busy.add(fmt("%s %s%%", describe(f[2]), f[1]));
      }
      return busy.isEmpty() ? "none above 5% CPU" : String.join("; ", busy);
    } catch (IOException | RuntimeException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private static String describe(String args) {
    for (Map.Entry<String, String> e : Map.of("surefire", "a surefire test JVM", "plexus-classworlds", "a Maven build",
        "/usr/bin/etcd", "an etcd (another test's)").entrySet()) {
      if (args.contains(e.getKey())) {
        String where = args.replaceAll(".*(/work/wt-[A-Za-z0-9_-]+).*", "$1");
        return e.getValue() + (where.startsWith("/work/wt-") ? " (" + where + ")" : "");
      }
    }
    return args.length() > 40 ? args.substring(0, 40) + "…" : args;
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
