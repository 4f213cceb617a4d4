package dev.etcdcache.benchmarks.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How long and how large the harness runs: {@code --quick} (under 3 minutes) or full (under 20).
 *
 * @param quick whether this is the quick mode
 * @param readKeys keys for the read scenarios (1, 2, 3 and 7)
 * @param callers concurrent callers for point Gets
 * @param warmup unmeasured time before each measured window
 * @param window measured time of one closed-loop cell
 * @param mixedWindow measured time of one mixed read/write cell
 * @param mixedOpsPerSecond offered load of the mixed scenario
 * @param coldSizes key counts of the cold-start and memory data sets besides the read set
 * @param coldRepeats how often each cold start is timed
 * @param watchWarmup unmeasured writer time before a watch fan-out window
 * @param watchWindow measured writer time of one watch fan-out cell
 * @param watchDrain how long to wait after the writer for the last deliveries
 * @param directDemuxWatchers most direct jetcd watchers (one gRPC stream each) in the demux shape
 * @param only scenario numbers to run (empty: all); {@code ibm} for the RangeCache contender
 * @param ibmJar the RangeCache runner's shaded jar (run in its own JVM)
 * @param outDir where CSVs and the report go
 * @param logDir where etcd's log goes
 */
record HarnessOptions(boolean quick, int readKeys, List<Integer> callers, Duration warmup, Duration window,
    Duration mixedWindow, int mixedOpsPerSecond, List<Integer> coldSizes, int coldRepeats, Duration watchWarmup,
    Duration watchWindow, Duration watchDrain, int directDemuxWatchers, Set<String> only, Path ibmJar, Path outDir,
    Path logDir) {

  static final String USAGE = String.join("\n",
      "usage: bash scripts/bench.sh [--quick] [--out DIR] [--only LIST] [--ibm-jar J] [--help]",
      "  --quick     about 3 minutes: shorter windows, cold start and memory at 50k and 100k keys",
      "  (default)   full run, under 20 minutes: cold start and memory also at 1M keys",
      "  --out DIR   where CSVs and the report go (default benchmarks/results)",
      "  --only LIST run only these scenarios, comma-separated: 1,2,3,4,5,6,7,ibm (for development; the",
      "              report then lacks the others)",
      "  --ibm-jar J the IBM RangeCache runner (default benchmarks-ibm/target/benchmarks-ibm.jar)");

  HarnessOptions {
    callers = List.copyOf(callers);
    coldSizes = List.copyOf(coldSizes);
    only = Set.copyOf(only);
  }

  /** Whether scenario {@code id} ({@code "1"} to {@code "7"}, {@code "ibm"}) runs. */
  boolean runs(String id) {
    return only.isEmpty() || only.contains(id);
  }

  /** @throws IllegalArgumentException on an unknown option */
  static HarnessOptions parse(String[] args) {
    boolean quick = false;
    Path out = Path.of("benchmarks", "results");
    Path logs = Path.of("benchmarks", "target", "etcd-logs");
    Path ibmJar = Path.of("benchmarks-ibm", "target", "benchmarks-ibm.jar");
    Set<String> only = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--out" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--out needs a directory");
          }
          out = Path.of(args[++i]);
        }
        case "--log-dir" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--log-dir needs a directory");
          }
          logs = Path.of(args[++i]);
        }
        case "--only" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--only needs a list, e.g. 4,ibm");
          }
          only.addAll(Arrays.asList(args[++i].split(",")));
        }
        case "--ibm-jar" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--ibm-jar needs a path");
          }
          ibmJar = Path.of(args[++i]);
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (quick) {
      return new HarnessOptions(true, 100_000, List.of(1, 16, 64), Duration.ofMillis(500), Duration.ofSeconds(2),
          Duration.ofSeconds(4), 1_000, List.of(50_000), 1, Duration.ofSeconds(1), Duration.ofSeconds(5),
          Duration.ofSeconds(10), 1_000, only, ibmJar, out, logs);
    }
    return new HarnessOptions(false, 100_000, List.of(1, 16, 64), Duration.ofSeconds(2), Duration.ofSeconds(10),
        Duration.ofSeconds(15), 2_000, List.of(50_000, 1_000_000), 3, Duration.ofSeconds(2), Duration.ofSeconds(15),
        Duration.ofSeconds(30), 10_000, only, ibmJar, out, logs);
  }
}
