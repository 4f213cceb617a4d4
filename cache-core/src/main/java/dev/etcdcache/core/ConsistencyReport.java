package dev.etcdcache.core;

import dev.etcdcache.core.verify.CheckRound;
import dev.etcdcache.core.verify.ConsistencyChecker;
import dev.etcdcache.core.verify.Divergence;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link CachingClient}'s consistency check has found: how many rounds compared the mirror
 * with etcd, how many found differences (each of which made the mirror re-list), and the latest
 * rounds' figures. An immutable snapshot.
 *
 * @param checks rounds run, whatever their outcome
 * @param divergedChecks rounds that found the mirror different from etcd
 * @param skippedChecks rounds that could not compare (mirror not serving, revision compacted, etcd
 *     unreachable)
 * @param differences keys (or whole ranges) found different, over every round
 * @param lastRevision the revision the latest round compared at (0 before the first)
 * @param lastOutcome the latest round's outcome: {@code CONSISTENT}, {@code DIVERGED},
 *     {@code SKIPPED}, or {@code NONE} before the first
 * @param lastKeys keys etcd returned in the latest round
 * @param lastBytes estimated bytes of etcd's keys-only answers in the latest round
 * @param lastNanos how long the latest round took
 * @param lastDifferences the latest diverged round's first differences, one line each (kind, key,
 *     revision, short diff: etcd's field first, the mirror's second)
 */
public record ConsistencyReport(long checks, long divergedChecks, long skippedChecks, long differences,
    long lastRevision, String lastOutcome, long lastKeys, long lastBytes, long lastNanos,
    List<String> lastDifferences) {

  /** Copies the list. */
  public ConsistencyReport {
    lastDifferences = List.copyOf(lastDifferences);
  }

  static ConsistencyReport of(ConsistencyChecker checker) {
    CheckRound last = checker.last();
    CheckRound diverged = checker.lastDiverged();
    List<String> lines = new ArrayList<>();
    if (diverged != null) {
      for (Divergence d : diverged.first()) {
        lines.add(d.toString());
      }
    }
    return new ConsistencyReport(checker.checks(), checker.divergedChecks(), checker.skippedChecks(),
        checker.differences(), last == null ? 0 : last.revision(), last == null ? "NONE" : last.outcome().name(),
        last == null ? 0 : last.keys(), last == null ? 0 : last.bytes(), last == null ? 0 : last.nanos(), lines);
  }
}
