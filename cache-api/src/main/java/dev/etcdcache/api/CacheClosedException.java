package dev.etcdcache.api;

/** Thrown, or used to fail a future, when an operation is asked of a cache that was closed. */
public final class CacheClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming what was closed. */
  public CacheClosedException(String message) {
    super(message);
  }
}
