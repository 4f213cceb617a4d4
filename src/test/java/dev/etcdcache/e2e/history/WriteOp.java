package dev.etcdcache.e2e.history;

import java.util.List;

/**
 * One write a client sent to etcd (a put, a delete or a txn of puts and deletes, all at one
 * revision): when it was invoked and completed ({@link System#nanoTime()}), and the revision etcd
 * acknowledged, or {@link #UNKNOWN} with an error when the outcome is not known (a timeout or an
 * outage: it may or may not have committed).
 *
 * @param writer which writer sent it, for messages
 * @param invokedNanos before the request was sent
 * @param completedNanos after the acknowledgement arrived; {@link Long#MAX_VALUE} if none did
 * @param revision the response header revision; {@link #UNKNOWN} if not acknowledged, {@link #NO_OP}
 *     for a delete that found nothing (etcd creates no revision for it)
 * @param mutations the keys changed, in the order sent
 * @param error why the outcome is unknown, or null
 */
public record WriteOp(int writer, long invokedNanos, long completedNanos, long revision, List<Mutation> mutations,
    String error) {

  public static final long UNKNOWN = -1;
  public static final long NO_OP = -2;

  public WriteOp {
    mutations = List.copyOf(mutations);
    if (mutations.isEmpty()) {
      throw new IllegalArgumentException("a write changes at least one key");
    }
  }

  public boolean acknowledged() {
    return revision > 0;
  }

  @Override
  public String toString() {
    return "write#" + writer + (acknowledged() ? " at " + revision : revision == NO_OP ? " (no-op)" : " (unknown: " + error + ")")
        + " " + (mutations.size() > 3 ? mutations.subList(0, 3) + "... (" + mutations.size() + " keys)" : mutations);
  }
}
