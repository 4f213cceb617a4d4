package dev.etcdcache.e2e.history;

import java.util.List;

/**
 * What the {@link HistoryChecker} found.
 *
 * @param anomalies the violations found, listed in detail up to a few of each kind (empty when the
 *     history is correct)
 * @param anomalyCount every violation found, listed or not
 * @param writes revisions in the checked log
 * @param reads successful reads checked
 * @param failedReads reads that failed (not anomalies: etcd may fail a read too, e.g. while down)
 * @param watchEvents watch events checked
 * @param watchers watchers checked
 * @param deliveryDelaysNanos per delivered event of an acknowledged write, receipt minus acknowledgement
 */
public record CheckResult(List<Anomaly> anomalies, long anomalyCount, int writes, int reads, int failedReads, long watchEvents,
    int watchers, long[] deliveryDelaysNanos) {

  public CheckResult {
    anomalies = List.copyOf(anomalies);
  }

  /** Operations checked: writes in the log, successful reads and watch events. */
  public long operationsChecked() {
    return writes + reads + watchEvents;
  }

  public boolean has(Anomaly.Kind kind) {
    return anomalies.stream().anyMatch(a -> a.kind() == kind);
  }

  /** The first anomalies, one per line, for an assertion message. */
  public String describe(int max) {
    StringBuilder b = new StringBuilder(anomalyCount + " anomalies");
    anomalies.stream().limit(max).forEach(a -> b.append("\n  ").append(a));
    return b.toString();
  }
}
