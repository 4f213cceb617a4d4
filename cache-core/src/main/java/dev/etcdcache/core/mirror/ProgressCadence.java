package dev.etcdcache.core.mirror;

import java.time.Duration;
import java.util.Optional;

/**
 * etcd's periodic progress-notify interval ({@code --experimental-watch-progress-notify-interval}),
 * learned from the mirror's own upstream watch, so that watchers served from memory get progress
 * notifications at the cadence a direct watcher of the same server gets.
 *
 * <p>etcd has no API that tells the interval. But every watch stream has a ticker: at each tick, a
 * watch created with progressNotify that was sent no event during the last interval gets a
 * notification. The mirror's watch asks for them, so on a quiet stream they arrive one interval
 * after the stream starts and one interval apart; with events in between, some multiple of it. The
 * interval is therefore the smallest gap seen among recent ones. A gap can look shorter only by a
 * round trip (a periodic notification taken for the answer to a progress request of ours, see
 * {@link WatchLoop}); that errs towards notifying a little early, as a fresh stream would.
 *
 * <p>Written on the mirror's apply thread only; {@link #interval()} may be read from any thread.
 */
final class ProgressCadence {

  /** Gaps below this are not a ticker's (etcd refuses intervals this short anyway). */
  private static final long MIN_GAP_NANOS = Duration.ofMillis(10).toNanos();
  /** How many recent gaps the estimate looks at; older ones age out, e.g. after a reconnect to a member with another interval. */
  private static final int WINDOW = 8;

  private final long[] gaps = new long[WINDOW];
  private int recorded;
  /** When the current stream started or last got a periodic notification; 0 with no stream. */
  private long since;
  private volatile long intervalNanos;

  /** The mirror's watch was created at {@code nanos}: etcd's ticker for its stream starts about now. */
  void streamStarted(long nanos) {
    since = nanos;
  }

  /** The watch ended; the next gap starts with the next stream. */
  void streamEnded() {
    since = 0;
  }

  /** A notification no request of ours asked for arrived at {@code nanos}. */
  void periodic(long nanos) {
    if (since != 0) {
      long gap = nanos - since;
      if (gap >= MIN_GAP_NANOS) {
        gaps[recorded++ % WINDOW] = gap;
        long min = Long.MAX_VALUE;
        for (int i = 0; i < Math.min(recorded, WINDOW); i++) {
          min = Math.min(min, gaps[i]);
        }
        intervalNanos = min;
      }
    }
    since = nanos;
  }

  /** The interval as observed, empty until the first periodic notification. */
  Optional<Duration> interval() {
    long n = intervalNanos;
    return n == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(n));
  }
}
