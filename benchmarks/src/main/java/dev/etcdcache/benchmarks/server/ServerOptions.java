package dev.etcdcache.benchmarks.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How long and how large the server harness runs: default (under 10 minutes on 2 cores) or
 * {@code --quick} (a smoke run of a couple of minutes, for development).
 *
 * @param quick whether this is the quick mode
 * @param keys keys loaded for the Range rows (about 297 B of key and value each)
 * @param connections connection counts of every Range row
 * @param rowWarmup unmeasured time each Range row runs on each contender before any cell (JIT, caches)
 * @param warmup unmeasured time before each Range window
 * @param window measured time of one Range cell
 * @param watchStreams watch streams opened through each contender for the fan-out
 * @param watchConnections connections those streams are spread over
 * @param writeRates the fan-out's writer rates (Puts per second straight to etcd), one cell each
 * @param watchWarmup unmeasured writer time before the fan-out window
 * @param watchWindow measured writer time
 * @param watchDrain longest wait for the last deliveries after the writer stops
 * @param watchWarmUpRun an unmeasured fan-out at the highest rate each contender serves first (JIT warm-up)
 * @param memoryConnections connections opened for the memory measurement
 * @param memoryWatches watches (one stream each) opened for the memory measurement
 * @param freshnessRounds write-then-read rounds per contender
 * @param only parts to run (empty: all): range, watch, memory, freshness
 * @param etcdBinary the etcd binary that also runs grpc-proxy
 * @param outDir where the report goes
 * @param logDir where etcd's and grpc-proxy's logs go
 * @param serverJvmOptions JVM options of the cache-server child (default none, as {@code scripts/cache-server.sh})
 */
record ServerOptions(boolean quick, int keys, List<Integer> connections, Duration rowWarmup, Duration warmup, Duration window,
    int watchStreams, int watchConnections, List<Integer> writeRates, Duration watchWarmup, Duration watchWindow,
    Duration watchDrain, Duration watchWarmUpRun, int memoryConnections, int memoryWatches, int freshnessRounds, Set<String> only,
    Path etcdBinary, Path outDir, Path logDir, List<String> serverJvmOptions) {

  static final String USAGE = String.join("\n",
      "usage: bash scripts/bench-server.sh [--quick] [--only range,watch,memory,freshness] [--out DIR]",
      "  (default)   under 11 minutes: 2 s warm-up + 5 s window per Range cell, 5 s unmeasured + 10 s watch fan-out",
      "  --quick     a smoke run: 0.5 s + 1.5 s per cell, 3 s fan-out, smaller memory and freshness counts",
      "  --only LIST run only these parts (the report then lacks the others)",
      "  --out DIR   where the report goes (default benchmarks/results)",
      "  --etcd PATH the etcd binary, also used for grpc-proxy (default /usr/bin/etcd)",
      "  --server-jvm 'OPTS'  JVM options of the cache-server child JVM (default none)");

  ServerOptions {
    connections = List.copyOf(connections);
    writeRates = List.copyOf(writeRates);
    serverJvmOptions = List.copyOf(serverJvmOptions);
    only = Set.copyOf(only);
  }

  boolean runs(String part) {
    return only.isEmpty() || only.contains(part);
  }

  /** @throws IllegalArgumentException on an unknown option */
  static ServerOptions parse(String[] args) {
    boolean quick = false;
    Path out = Path.of("benchmarks", "results");
    Path logs = Path.of("benchmarks", "target", "etcd-logs");
    Path etcd = Path.of("/usr/bin/etcd");
    Set<String> only = new HashSet<>();
    List<String> jvm = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> quick = true;
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--log-dir" -> logs = Path.of(value(args, ++i, a));
        case "--etcd" -> etcd = Path.of(value(args, ++i, a));
        case "--server-jvm" -> jvm.addAll(Arrays.asList(value(args, ++i, a).trim().split("\\s+")));
        case "--only" -> {
          for (String p : value(args, ++i, a).split(",")) {
            if (!List.of("range", "watch", "memory", "freshness").contains(p)) {
              throw new IllegalArgumentException("--only: unknown part " + p);
            }
            only.add(p);
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (quick) {
      return new ServerOptions(true, 100_000, List.of(1, 16, 64), Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(1500),
          1_000, 20, List.of(50, 500), Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(3), 200, 2_000, 200,
          only, etcd, out, logs, jvm);
    }
    return new ServerOptions(false, 100_000, List.of(1, 16, 64), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(5),
        1_000, 20, List.of(50, 500), Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(5), 1_000, 10_000, 1_000,
        only, etcd, out, logs, jvm);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  @Override
  public String toString() {
    return "ServerOptions" + Arrays.asList(quick, keys, connections, warmup, window);
  }
}
