package dev.etcdcache.demo;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's command line, parsed and validated.
 *
 * @param endpoints etcd client URLs to use instead of starting a local etcd; empty to start one
 * @param keys how many keys to load
 * @param callers concurrent callers per workload
 * @param duration measured time of one workload on one client
 * @param warmup unmeasured time before each measurement
 * @param logDir where the local etcd writes its log
 * @param metricsPort the port of the Prometheus {@code /metrics} endpoint; 0 for a free one
 * @param dashboardFeed whether the cache also serves watchers, sees a trickle of writes and runs
 *     its consistency check, so every panel of the Grafana dashboard's core rows has data
 */
record DemoOptions(List<URI> endpoints, int keys, int callers, Duration duration, Duration warmup, Path logDir,
    int metricsPort, boolean dashboardFeed) {

  static final String USAGE = String.join("\n",
      "usage: bash scripts/demo.sh [options]",
      "  --endpoints URL[,URL]  use this etcd instead of starting a local one (keys go under /registry/demo/",
      "                         and are deleted at the end)",
      "  --keys N               keys to load (default 50000)",
      "  --callers N            concurrent callers per workload (default 16)",
      "  --seconds S            measured seconds per workload and client (default 5)",
      "  --warmup-seconds S     unmeasured warm-up before each measurement (default 1)",
      "  --log-dir DIR          where the local etcd writes its log (default: a temporary directory)",
      "  --metrics-port N       serve the cache's Prometheus metrics at http://127.0.0.1:N/metrics while the",
      "                         demo runs (default: a free port, printed at start)",
      "  --dashboard-feed       also feed the dashboard's watch, freshness and verification panels while the",
      "                         cache is measured: 200 watchers through the cache, 20 writes/s to the demo",
      "                         keys, the consistency check every 5 s (changes the measured figures a little)");

  DemoOptions {
    endpoints = List.copyOf(endpoints);
    if (keys < 100 || keys > 5_000_000) {
      throw new IllegalArgumentException("--keys must be 100..5000000: " + keys);
    }
    if (callers < 1 || callers > 1024) {
      throw new IllegalArgumentException("--callers must be 1..1024: " + callers);
    }
    if (duration.isNegative() || duration.isZero() || warmup.isNegative()) {
      throw new IllegalArgumentException("--seconds must be positive and --warmup-seconds not negative");
    }
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new IllegalArgumentException("--metrics-port must be 0..65535: " + metricsPort);
    }
  }

  /**
   * Parses {@code args}.
   *
   * @throws IllegalArgumentException with a message for the user on an unknown or malformed option
   */
  static DemoOptions parse(String[] args) {
    List<URI> endpoints = new ArrayList<>();
    int keys = 50_000;
    int callers = 16;
    double seconds = 5;
    double warmupSeconds = 1;
    Path logDir = Path.of(System.getProperty("java.io.tmpdir"), "etcd-cache-demo");
    int metricsPort = 0;
    boolean dashboardFeed = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (arg) {
        case "--endpoints" -> {
          for (String url : required(arg, value).split(",")) {
            endpoints.add(URI.create(url.strip()));
          }
          i++;
        }
        case "--keys" -> { keys = parseInt(arg, required(arg, value)); i++; }
        case "--callers" -> { callers = parseInt(arg, required(arg, value)); i++; }
        case "--seconds" -> { seconds = parseDouble(arg, required(arg, value)); i++; }
        case "--warmup-seconds" -> { warmupSeconds = parseDouble(arg, required(arg, value)); i++; }
        case "--log-dir" -> { logDir = Path.of(required(arg, value)); i++; }
        case "--metrics-port" -> { metricsPort = parseInt(arg, required(arg, value)); i++; }
        case "--dashboard-feed" -> dashboardFeed = true;
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    return new DemoOptions(endpoints, keys, callers, Duration.ofMillis((long) (seconds * 1000)),
        Duration.ofMillis((long) (warmupSeconds * 1000)), logDir, metricsPort, dashboardFeed);
  }

  private static String required(String option, String value) {
    if (value == null) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return value;
  }

  private static int parseInt(String option, String value) {
    try {
      return Integer.parseInt(value.replace("_", "").replace(",", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " needs a whole number: " + value, e);
    }
  }

  private static double parseDouble(String option, String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " needs a number: " + value, e);
    }
  }
}
