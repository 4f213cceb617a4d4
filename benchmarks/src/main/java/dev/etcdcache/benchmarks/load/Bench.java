package dev.etcdcache.benchmarks.load;

import dev.etcdcache.demo.load.EtcdCounters;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.Client;
import java.io.PrintStream;
import java.util.Locale;

/**
 * What every scenario works with: the etcd under test, the two jetcd clients, the options, the
 * terminal and the report.
 *
 * @param etcd the local etcd the harness started
 * @param direct jetcd client of the direct contender, with the inbound message limit raised so
 *     that full Lists and one unpaginated Range of a whole data set fit
 * @param upstream jetcd client with default settings (4 MiB inbound limit) that the caches wrap
 * @param options run length and sizes
 * @param out where progress goes
 * @param report where results go
 */
record Bench(EtcdCluster etcd, Client direct, Client upstream, HarnessOptions options, PrintStream out, Report report) {

  /** Etcd's counters now. */
  EtcdCounters counters() {
    return EtcdCounters.read(etcd.member(0).metrics());
  }

  void say(String format, Object... args) {
    out.println(String.format(Locale.ROOT, format, args));
  }
}
