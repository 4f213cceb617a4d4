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
 * @param options run length and sizes
 * @param out where progress goes
 */
record ServerBench(EtcdCluster etcd, Map<Contender, Integer> ports, ServerOptions options, PrintStream out) {

  ServerBench {
    ports = Map.copyOf(ports);
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
