package dev.etcdcache.demo;

import dev.etcdcache.demo.load.ClosedLoop;
import dev.etcdcache.demo.load.Consistency;
import dev.etcdcache.demo.load.Workload;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's side-by-side table: for each workload, plain jetcd on one line and the cache under
 * it, with the cache's throughput as a multiple of jetcd's.
 *
 * <p>Not thread-safe.
 */
final class ResultTable {

  private static final String FORMAT = "%-24s %-13s %-11s %11s %10s %10s %16s %9s %10s%n";

  /** One measured cell. */
  record Row(Workload workload, Consistency consistency, String client, ClosedLoop.Outcome result,
      ClosedLoop.Outcome direct) {}

  private final List<Row> rows = new ArrayList<>();

  void add(Workload workload, Consistency consistency, String client, ClosedLoop.Outcome result,
      ClosedLoop.Outcome direct) {
    rows.add(new Row(workload, consistency, client, result, direct));
  }

  void print(PrintStream out, String rpcSource) {
    out.printf(Locale.ROOT, FORMAT, "workload", "consistency", "client", "ops/s", "p50", "p99",
        "etcd Range RPCs", "etcd CPU", "vs jetcd");
    out.println("-".repeat(124));
    String lastWorkload = "";
    for (Row row : rows) {
      String workload = row.workload().label() + "/" + row.consistency();
      boolean first = !workload.equals(lastWorkload);
      lastWorkload = workload;
      ClosedLoop.Outcome r = row.result();
      String ratio = row.direct() == null ? "" : String.format(Locale.ROOT, "%.1fx", r.opsPerSecond()
          / Math.max(1e-9, row.direct().opsPerSecond()));
      out.printf(Locale.ROOT, FORMAT,
          first ? row.workload().label() : "",
          first ? row.consistency().label() : "",
          row.client(),
          String.format(Locale.ROOT, "%,.0f", r.opsPerSecond()),
          latency(r.latencyNanos().getValueAtPercentile(50)),
          latency(r.latencyNanos().getValueAtPercentile(99)),
          String.format(Locale.ROOT, "%,d", r.etcd().range()),
          Double.isNaN(r.etcd().cpuSeconds()) ? "n/a" : String.format(Locale.ROOT, "%.2f s", r.etcd().cpuSeconds()),
          ratio);
      if (r.errors() > 0) {
        out.printf(Locale.ROOT, "%24s (%,d requests failed)%n", "", r.errors());
      }
    }
    out.println("-".repeat(124));
    out.println("etcd Range RPCs: " + rpcSource);
  }

  private static String latency(long nanos) {
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }
}
