package dev.etcdcache.api;

/**
 * A source of nanosecond time, injected so that history age, staleness and backoff can be tested
 * without waiting on the wall clock. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Ticker {

  /** Nanoseconds from an arbitrary fixed origin; only differences between readings are meaningful. */
  long read();

  /** The ticker backed by {@link System#nanoTime()}. */
  static Ticker systemTicker() {
    return SystemTicker.INSTANCE;
  }

  /** The system ticker as a stateless singleton. */
  enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long read() {
      return System.nanoTime();
    }
  }
}
