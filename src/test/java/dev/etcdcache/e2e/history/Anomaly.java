package dev.etcdcache.e2e.history;

/** One violation the {@link HistoryChecker} found: its kind and a message naming the operations. */
public record Anomaly(Kind kind, String message) {

  /** What was violated. */
  public enum Kind {
    /** The write log has a revision no write accounts for, or disagrees with etcd's log. */
    WRITE_LOG,
    /** A read's result is not the state at its header revision, or its revision was never written. */
    READ_STATE,
    /** A linearizable read missed a write completed before it started. */
    STALE_READ,
    /** A read observed a write that had not been sent when the read completed. */
    FUTURE_READ,
    /** A serializable read at a lower revision than an earlier read of the same client. */
    WENT_BACK,
    /** A bounded-staleness read missed a write completed more than the bound before it started. */
    STALENESS_BOUND,
    /** A watcher missed an event. */
    WATCH_GAP,
    /** A watcher received an event twice. */
    WATCH_DUPLICATE,
    /** A watcher received events out of revision order. */
    WATCH_ORDER,
    /** A watcher received an event that differs from the log (value, revisions, type). */
    WATCH_CONTENT,
    /** A watcher was ended with a compaction error although its next revision was not compacted. */
    WATCH_FALSE_COMPACTION
  }

  @Override
  public String toString() {
    return kind + ": " + message;
  }
}
