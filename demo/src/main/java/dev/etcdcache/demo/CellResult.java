package dev.etcdcache.demo;

import org.HdrHistogram.Histogram;

/**
 * The outcome of one workload on one client.
 *
 * @param completed requests started and answered within the measured window
 * @param errors requests that failed within the measured window
 * @param seconds length of the measured window
 * @param latencyNanos latency of each completed request
 * @param rangeRpcs Range RPCs that reached etcd during the window
 * @param etcdCpuSeconds CPU etcd used during the window, or NaN when its metrics are not readable
 */
record CellResult(long completed, long errors, double seconds, Histogram latencyNanos, long rangeRpcs,
    double etcdCpuSeconds) {

  double opsPerSecond() {
    return completed / seconds;
  }

  long p50Nanos() {
    return latencyNanos.getValueAtPercentile(50);
  }

  long p99Nanos() {
    return latencyNanos.getValueAtPercentile(99);
  }
}
