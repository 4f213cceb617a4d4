package dev.etcdcache.benchmarks.server;

import dev.etcdcache.demo.load.EtcdCounters;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.EtcdMetrics;
import java.io.PrintStream;
import java.util.Map;

/**
 * What every part of the server harness works with: the etcd under test, each contender's port,
 * the options and the terminal.
 *
 * @param etcd the local etcd the harness started
 * @param ports the loopback port of each contender
 * @param pids the process of each contender (etcd's own for direct)
 * @param options run length and sizes
 * @param out where progress goes
 */
record ServerBench(EtcdCluster etcd, Map<Contender, Integer> ports, Map<Contender, Long> pids, ServerOptions options,
    PrintStream out) {

  ServerBench {
    ports = Map.copyOf(ports);
    pids = Map.copyOf(pids);
  }

  /** CPU seconds the contender's own process has used (etcd's for direct); NaN if unknown. */
  double cpuSeconds(Contender c) {
    Long pid = pids.get(c);
    return pid == null ? Double.NaN : ProcStatus.cpuSeconds(pid);
  }

  /** CPU seconds this harness (the load generator) has used. */
  static double harnessCpuSeconds() {
    return ProcStatus.cpuSeconds(ProcessHandle.current().pid());
  }

  int port(Contender c) {
    return ports.get(c);
  }

  /** etcd's Range/Txn/Put/Watch counters and CPU now. */
  EtcdCounters counters() {
    return EtcdCounters.read(etcd.member(0).metrics());
  }

  /** {watch streams, watchers} etcd holds now ({@code etcd_debugging_mvcc_watch_stream_total}, {@code _watcher_total}). */
  double[] watchGauges() {
    EtcdMetrics m = etcd.member(0).metrics();
    return new double[] {m.value("etcd_debugging_mvcc_watch_stream_total"), m.value("etcd_debugging_mvcc_watcher_total")};
  }
}
