package dev.etcdcache.demo.load;

import dev.etcdcache.testing.EtcdMetrics;
import java.util.Map;

/**
 * Counters etcd reports on {@code /metrics} that tell what a client cost it: RPCs handled by
 * method ({@code grpc_server_handled_total}), watch streams opened ({@code grpc_server_started_total}
 * for Watch) and CPU seconds ({@code process_cpu_seconds_total}). Counters only grow, so a
 * measurement's share is the {@link #minus difference} of two readings. Immutable.
 *
 * @param range Range RPCs handled
 * @param txn Txn RPCs handled
 * @param put Put RPCs handled
 * @param watchStreams Watch streams opened
 * @param cpuSeconds CPU seconds etcd used; NaN when unknown
 */
public record EtcdCounters(long range, long txn, long put, long watchStreams, double cpuSeconds) {

  /** Reads the counters from one member's {@code metrics}. */
  public static EtcdCounters read(EtcdMetrics metrics) {
    return new EtcdCounters(
        handled(metrics, "Range"), handled(metrics, "Txn"), handled(metrics, "Put"),
        (long) metrics.value("grpc_server_started_total", Map.of("grpc_method", "Watch")),
        metrics.value("process_cpu_seconds_total"));
  }

  /**
   * Stands in for an etcd whose {@code /metrics} cannot be read: {@code rangeRpcs} as the client
   * counted them, CPU unknown (NaN), the other counters 0.
   */
  public static EtcdCounters countedByClient(long rangeRpcs) {
    return new EtcdCounters(rangeRpcs, 0, 0, 0, Double.NaN);
  }

  /** These counters and {@code other}'s together, e.g. of two members of one cluster. */
  public EtcdCounters plus(EtcdCounters other) {
    return new EtcdCounters(range + other.range, txn + other.txn, put + other.put,
        watchStreams + other.watchStreams, cpuSeconds + other.cpuSeconds);
  }

  /** What happened between {@code earlier} and this reading. */
  public EtcdCounters minus(EtcdCounters earlier) {
    return new EtcdCounters(range - earlier.range, txn - earlier.txn, put - earlier.put,
        watchStreams - earlier.watchStreams, cpuSeconds - earlier.cpuSeconds);
  }

  private static long handled(EtcdMetrics m, String method) {
    return (long) m.value("grpc_server_handled_total", Map.of("grpc_method", method));
  }
}
