package dev.etcdcache.benchmarks.server;

import dev.etcdcache.demo.load.BulkLoader;
import dev.etcdcache.demo.load.KeySet;
import dev.etcdcache.server.CacheServer;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.Client;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * cache-server's benchmark, measured as a user would: raw etcd v3 gRPC (jetcd-grpc's generated
 * {@code KVGrpc}/{@code WatchGrpc} stubs over N grpc-java Netty channels, as a Go client or etcdctl
 * talks on the wire) against three contenders sharing one local etcd: etcd itself, etcd's own
 * {@code grpc-proxy} (a child process, ended by PID), and cache-server (a child JVM,
 * {@link CacheServerChild}, started with grpc-proxy's flags through {@link CacheServer#start(String...)}).
 *
 * <pre>
 * bash scripts/bench-server.sh            # default: under 10 minutes on 2 cores
 * bash scripts/bench-server.sh --quick    # smoke run, about 3 minutes
 * </pre>
 *
 * <p>Measured: Range rows (point serializable, point linearizable, prefix of 100 keys, 10,000 keys)
 * at 1/16/64 connections, closed loop, with etcd's own Range count; watch fan-out of 1,000 streams
 * at 500 writes/s; heap or RSS per connection and per watch; stale answers after a direct write.
 * Every figure is a ratio within this run. Writes {@code <out>/<date>-cache-server.md}. Exits 0 on
 * success, 1 on a failure, 2 on a bad command line.
 */
public final class ServerLoadHarness {

  private static final String ROOT = "/registry/bench/";

  private ServerLoadHarness() {}

  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
      System.out.println(ServerOptions.USAGE);
      return;
    }
    ServerOptions options;
    try {
      options = ServerOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-server: " + e.getMessage());
      System.err.println(ServerOptions.USAGE);
      System.exit(2);
      return;
    }
    int status = 0;
    try {
      run(options, args, System.out);
    } catch (Exception e) {
      System.err.println("bench-server failed: " + e);
      for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
        System.err.println("  caused by " + c);
      }
      status = 1;
    }
    System.exit(status);
  }

  private static void run(ServerOptions o, String[] args, PrintStream out) throws Exception {
    long started = System.nanoTime();
    ServerReport report = new ServerReport(o, args);
    report.machineAtStart();
    out.printf("[bench-server] %s mode; starting a local etcd (log in %s)%n", o.quick() ? "quick" : "default",
        o.logDir().toAbsolutePath());
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).name("serverbench").logDir(o.logDir())
             .binary(o.etcdBinary()).etcdArgs("--quota-backend-bytes=8589934592").build().start();
         Client loader = etcd.clientBuilder().build()) {
      URI endpoint = etcd.clientEndpoints().get(0);
      String version = loader.getMaintenanceClient().statusMember(endpoint.toString()).get(10, TimeUnit.SECONDS)
          .getVersion();
      report.etcdVersion(version);
      ServerBench pre = new ServerBench(etcd, Map.of(), Map.of(), o, out);
      double[] baseline = pre.watchGauges();
      KeySet keys = new KeySet(ROOT, o.keys());
      if (o.runs("range")) {
        out.printf("[bench-server] loading %,d keys under %s through direct etcd%n", keys.count(), ROOT);
        new BulkLoader(loader.getKVClient(), out, "    ").load(keys);
      }
      try (GrpcProxyProcess proxy = GrpcProxyProcess.start(o.etcdBinary(), endpoint, o.logDir());
           CacheServerProcess server = CacheServerProcess.start(endpoint, o.logDir(), o.serverJvmOptions())) {
        Map<Contender, Integer> ports = new EnumMap<>(Contender.class);
        ports.put(Contender.DIRECT, endpoint.getPort());
        ports.put(Contender.GRPC_PROXY, proxy.port());
        ports.put(Contender.CACHE_SERVER, server.port());
        Map<Contender, Long> pids = new EnumMap<>(Contender.class);
        pids.put(Contender.DIRECT, etcd.member(0).pid().orElse(-1));
        pids.put(Contender.GRPC_PROXY, proxy.pid());
        pids.put(Contender.CACHE_SERVER, server.pid());
        ServerBench bench = new ServerBench(etcd, ports, pids, o, out);
        double[] idle = bench.watchGauges();
        report.idleWatchStreams(Math.round(idle[0] - baseline[0]), Math.round(idle[1] - baseline[1]));
        out.printf("[bench-server] etcd %s on :%d (pid %d), grpc-proxy on :%d (pid %d), cache-server JVM on :%d (pid %d);"
            + " %d cores%n", version, endpoint.getPort(), pids.get(Contender.DIRECT), proxy.port(), proxy.pid(),
            server.port(), server.pid(), Runtime.getRuntime().availableProcessors());

        if (o.runs("range")) {
          out.println("[bench-server] Range rows (closed loop, one request outstanding per connection)");
          report.range(new RangeRows(bench, keys).run());
        }
        if (o.runs("watch")) {
          out.printf("[bench-server] watch fan-out: %,d streams per contender, %s writes/s to etcd%n",
              o.watchStreams(), o.writeRates());
          WatchFanOut fanOut = new WatchFanOut(bench, baseline);
          int top = o.writeRates().stream().mapToInt(Integer::intValue).max().orElseThrow();
          for (Contender c : Contender.values()) {
            WatchFanOut.Cell warm = fanOut.warmUp(c, top, o.watchWarmUpRun());
            out.printf("    warm-up %-13s %d/s for %.0f s (unmeasured): p99 %.2f ms, cpu proxy %.1f s%n", c.label(), top,
                warm.seconds(), warm.p99Millis(), warm.proxyCpu());
          }
          List<WatchFanOut.Cell> cells = new ArrayList<>();
          for (int rate : o.writeRates()) {
            for (Contender c : Contender.values()) {
              WatchFanOut.Cell cell = fanOut.run(c, rate);
              cells.add(cell);
              out.printf("    %4d/s %-13s p50 %.2f ms p99 %.2f ms from ack, %,d of %,d delivered, %,d missed, %,d dup, %d etcd"
                  + " streams; cpu etcd %.1f proxy %.1f client %.1f s in %.1f s%n", rate, c.label(), cell.p50Millis(),
                  cell.p99Millis(), cell.delivered(), cell.expected(), cell.missed(), cell.duplicates(),
                  cell.streamsHeld(), cell.etcdCpu(), cell.proxyCpu(), cell.clientCpu(), cell.busySeconds());
            }
          }
          report.watch(cells);
        }
        if (o.runs("freshness")) {
          out.printf("[bench-server] freshness: %,d write-then-read rounds per contender%n", o.freshnessRounds());
          List<Freshness.Outcome> fresh = new ArrayList<>();
          for (Contender c : Contender.values()) {
            Freshness.Outcome f = new Freshness(bench).run(c);
            fresh.add(f);
            out.printf("    %-13s stale serializable %d, linearizable %d of %d (errors %d)%n", c.label(),
                f.staleSerializable(), f.staleLinearizable(), f.rounds(), f.errors());
          }
          report.freshness(fresh);
        }
        if (o.runs("memory")) {
          out.printf("[bench-server] memory: %,d connections, then %,d watches (one stream each)%n",
              o.memoryConnections(), o.memoryWatches());
          report.memory(new ServerMemory(bench, server).run());
        }
      }
      report.machineAtEnd();
      double wall = (System.nanoTime() - started) / 1e9;
      Path written = report.write(LocalDate.now().toString(), wall);
      out.printf("[bench-server] done in %.0f s; report: %s%n", wall, written);
    }
  }
}
