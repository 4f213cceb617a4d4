package dev.etcdcache.core.verify;

import java.util.List;

/**
 * What one consistency check found.
 *
 * @param outcome how it ended
 * @param revision the revision the mirror and etcd were compared at (0 when skipped before one was chosen)
 * @param keys keys etcd returned
 * @param bytes estimated bytes of etcd's keys-only answers
 * @param pages Range requests sent
 * @param nanos how long it took
 * @param differences how many divergences were found
 * @param first the first divergences (at most {@link ConsistencyChecker#REPORTED})
 * @param error why the check could not run, or {@code null}
 */
public record CheckRound(Outcome outcome, long revision, long keys, long bytes, long pages, long nanos,
    long differences, List<Divergence> first, String error) {

  /** How a check ended. */
  public enum Outcome {
    /** etcd and the mirror agree at the revision. */
    CONSISTENT,
    /** They differ; the mirror was told to re-list. */
    DIVERGED,
    /**
     * Not compared: the mirror was not serving (not ready, re-listing), etcd compacted the
     * revision before the check read it, or etcd could not be reached.
     */
    SKIPPED
  }

  static CheckRound skipped(long revision, long nanos, String why) {
    return new CheckRound(Outcome.SKIPPED, revision, 0, 0, 0, nanos, 0, List.of(), why);
  }
}
