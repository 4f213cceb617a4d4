package dev.etcdcache.core.mirror;

/**
 * A list stopped because what it read would not fit the cache's memory limits (maxEntries, the
 * memory budget). Not an etcd failure: the mirror degrades instead of retrying at once.
 */
final class MemoryLimitExceeded extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Estimated store bytes per key the list saw before it stopped (0 if none). */
  private final long bytesPerEntry;

  MemoryLimitExceeded(String message, long bytesPerEntry) {
    super(message, null, false, false);
    this.bytesPerEntry = bytesPerEntry;
  }

  long bytesPerEntry() {
    return bytesPerEntry;
  }
}
