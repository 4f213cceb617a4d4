package dev.etcdcache.benchmarks.load;

import dev.etcdcache.testing.EtcdMember;
import dev.etcdcache.testing.EtcdMetrics;
import java.util.Map;

/**
 * Counters etcd reports on {@code /metrics} that tell what a contender cost it: RPCs handled by
 * method ({@code grpc_server_handled_total}), watch streams opened ({@code grpc_server_started_total}
 * for Watch) and CPU seconds ({@code process_cpu_seconds_total}). A measurement's share is the
 * {@link #minus difference} of two readings.
 *
 * @param range Range RPCs handled
 * @param txn Txn RPCs handled
 * @param put Put RPCs handled
 * @param watchStreams Watch streams opened
 * @param cpuSeconds CPU seconds etcd used
 */
record EtcdCounters(long range, long txn, long put, long watchStreams, double cpuSeconds) {

  /** Reads the counters of {@code member} now. */
  static EtcdCounters read(EtcdMember member) {
    EtcdMetrics m = member.metrics();
    return new EtcdCounters(
        handled(m, "Range"), handled(m, "Txn"), handled(m, "Put"),
        (long) m.value("grpc_server_started_total", Map.of("grpc_method", "Watch")),
        m.value("process_cpu_seconds_total"));
  }

  /** What happened between {@code earlier} and this reading. */
  EtcdCounters minus(EtcdCounters earlier) {
    return new EtcdCounters(range - earlier.range, txn - earlier.txn, put - earlier.put,
        watchStreams - earlier.watchStreams, cpuSeconds - earlier.cpuSeconds);
  }

  private static long handled(EtcdMetrics m, String method) {
    return (long) m.value("grpc_server_handled_total", Map.of("grpc_method", method));
  }
}
