package dev.etcdcache.core.delivery;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard on one inline listener (one whose callbacks run on the mirror's apply thread, see
 * {@link SerialQueue#inline}): times each callback and reports those that took longer than
 * {@link #SLOW_NANOS}, once in the log and every time to the owner's counter.
 *
 * <p>Why: an inline listener that blocks stalls every watcher and the mirror itself, which applies
 * nothing while it runs. The caller promised it would not; this is how a broken promise is seen
 * (a slow-call count and one warning naming the watch) instead of guessed from latencies.
 *
 * <p>Thread-safe; costs two {@code System.nanoTime()} reads per callback.
 */
public final class InlineBudget {

  private static final Logger LOG = LoggerFactory.getLogger(InlineBudget.class);

  /**
   * A callback of an inline listener slower than this counts as slow: 1 ms, the whole budget of a
   * change on its way to a listener (the Cilium consumer's promise), about twenty times what an
   * inline delivery costs on its own.
   */
  public static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final String watch;
  private final LongConsumer onSlow;
  private volatile boolean logged;

  /**
   * @param watch names the watch in the one warning
   * @param onSlow told of each slow callback, with its duration in nanoseconds
   */
  public InlineBudget(String watch, LongConsumer onSlow) {
    this.watch = watch;
    this.onSlow = onSlow;
  }

  /** The start time of a callback, for {@link #finished}. */
  public static long start() {
    return System.nanoTime();
  }

  /** The callback begun at {@code started} returned (or threw). */
  public void finished(long started) {
    long took = System.nanoTime() - started;
    if (took > SLOW_NANOS) {
      onSlow.accept(took);
      if (!logged) {
        logged = true;
        LOG.warn("inline watch listener {} took {} µs on the mirror's applier (more than {} µs): every watcher "
            + "and the mirror waited for it; use a queued listener if it may block (logged once per watch)",
            watch, TimeUnit.NANOSECONDS.toMicros(took), TimeUnit.NANOSECONDS.toMicros(SLOW_NANOS));
      }
    }
  }
}
