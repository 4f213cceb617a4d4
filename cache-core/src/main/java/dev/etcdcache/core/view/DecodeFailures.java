package dev.etcdcache.core.view;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs the values of a view its adapter could not decode (or whose filter or index
 * functions threw): each failure is counted and logged once, with its key and revision, when it
 * happens, never per read. After {@value #WARN_LIMIT} warnings further failures log at debug, so a
 * prefix full of garbage cannot flood the log.
 *
 * <p>Thread-safe.
 */
final class DecodeFailures {

  private static final Logger LOG = LoggerFactory.getLogger(DecodeFailures.class);
  static final int WARN_LIMIT = 100;

  private final String prefix;
  private final LongAdder count = new LongAdder();
  private final AtomicReference<String> last = new AtomicReference<>();

  DecodeFailures(String prefix) {
    this.prefix = prefix;
  }

  /** Records one failure of user code for {@code key} at {@code revision}. */
  void record(String what, byte[] key, long revision, Throwable failure) {
    count.increment();
    String k = new String(key, StandardCharsets.UTF_8);
    String message = what + " failed for key " + k + " at revision " + revision + ": " + failure;
    last.set(message);
    if (count.sum() <= WARN_LIMIT) {
      LOG.warn("view {}: {}; the key is left out until a later revision succeeds{}", prefix, message,
          count.sum() == WARN_LIMIT ? " (further failures are logged at debug)" : "");
    } else {
      LOG.debug("view {}: {}", prefix, message, failure);
    }
  }

  /** Failures since the view started. */
  long count() {
    return count.sum();
  }

  /** The last failure as a message, or null. */
  String last() {
    return last.get();
  }
}
