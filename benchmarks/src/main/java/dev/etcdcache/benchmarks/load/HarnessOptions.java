package dev.etcdcache.benchmarks.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
 * @param outDir where CSVs and the report go
 * @param logDir where etcd's log goes
 */
record HarnessOptions(boolean quick, int readKeys, List<Integer> callers, Duration warmup, Duration window,
    Duration mixedWindow, int mixedOpsPerSecond, List<Integer> coldSizes, int coldRepeats, Path outDir, Path logDir) {

  static final String USAGE = String.join("\n",
      "usage: bash scripts/bench.sh [--quick] [--out DIR]",
      "  --quick     about 3 minutes: shorter windows, cold start and memory at 50k and 100k keys",
      "  (default)   full run, under 20 minutes: cold start and memory also at 1M keys",
      "  --out DIR   where CSVs and the report go (default benchmarks/results)");

  HarnessOptions {
    callers = List.copyOf(callers);
    coldSizes = List.copyOf(coldSizes);
  }

  /** @throws IllegalArgumentException on an unknown option */
  static HarnessOptions parse(String[] args) {
    boolean quick = false;
    Path out = Path.of("benchmarks", "results");
    Path logs = Path.of("benchmarks", "target", "etcd-logs");
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
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (quick) {
      return new HarnessOptions(true, 100_000, List.of(1, 16, 64), Duration.ofMillis(500), Duration.ofSeconds(2),
          Duration.ofSeconds(4), 1_000, List.of(50_000), 1, out, logs);
    }
    return new HarnessOptions(false, 100_000, List.of(1, 16, 64), Duration.ofSeconds(2), Duration.ofSeconds(10),
        Duration.ofSeconds(15), 2_000, List.of(50_000, 1_000_000), 3, out, logs);
  }
}
