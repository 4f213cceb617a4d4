package dev.etcdcache.e2e.history;

import java.util.List;

/**
 * What the {@link HistoryChecker} found.
 *
 * @param anomalies every violation (empty when the history is correct)
 * @param writes revisions in the checked log
 * @param reads successful reads checked
 * @param failedReads reads that failed (not anomalies: etcd may fail a read too, e.g. while down)
 * @param watchEvents watch events checked
 * @param watchers watchers checked
 * @param deliveryDelaysNanos per delivered event of an acknowledged write, receipt minus acknowledgement
 */
public record CheckResult(List<Anomaly> anomalies, int writes, int reads, int failedReads, long watchEvents,
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
    StringBuilder b = new StringBuilder(anomalies.size() + " anomalies");
    anomalies.stream().limit(max).forEach(a -> b.append("\n  ").append(a));
    return b.toString();
  }
}
