package dev.etcdcache.core.mirror;

/**
 * A list stopped because what it read would not fit the cache's memory limits (maxEntries, the
 * memory budget). Not an etcd failure: the mirror degrades instead of retrying at once.
 */
final class MemoryLimitExceeded extends RuntimeException {

  private static final long serialVersionUID = 1L;

  MemoryLimitExceeded(String message) {
    super(message, null, false, false);
  }
}
