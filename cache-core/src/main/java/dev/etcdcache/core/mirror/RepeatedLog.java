package dev.etcdcache.core.mirror;

import dev.etcdcache.api.Ticker;

/**
 * Rate limit for a warning that repeats while a condition lasts (etcd unreachable, a list failing on
 * every retry): the first occurrence is logged, then at most one per interval, each saying how many
 * were held back since the last; {@link #reset()} when the condition ends, so the next occurrence is
 * logged at once. Held-back occurrences go to debug. Not thread-safe: the mirror uses it on its apply
 * thread.
 */
final class RepeatedLog {

  /** At most one warning per minute per condition: enough to see it lasts, not a flood. */
  static final long DEFAULT_INTERVAL_NANOS = 60_000_000_000L;

  private final Ticker ticker;
  private final long intervalNanos;
  private boolean logged;
  private long lastLoggedNanos;
  private long heldBack;

  RepeatedLog(Ticker ticker, long intervalNanos) {
    this.ticker = ticker;
    this.intervalNanos = intervalNanos;
  }

  /**
   * Records one occurrence: -1 if it should not be logged as a warning, otherwise how many
   * occurrences were held back since the last one logged (0 for the first).
   */
  long admit() {
    long now = ticker.read();
    if (logged && now - lastLoggedNanos < intervalNanos) {
      heldBack++;
      return -1;
    }
    long held = heldBack;
    logged = true;
    lastLoggedNanos = now;
    heldBack = 0;
    return held;
  }

  /** The condition ended: the next occurrence is logged at once. */
  void reset() {
    logged = false;
    heldBack = 0;
  }

  /** A suffix for a logged warning naming the held-back repeats, empty when none. */
  static String heldBackSuffix(long held) {
    return held > 0 ? " (" + held + " more since the last warning)" : "";
  }
}
