package dev.etcdcache.testing;

/**
 * Thrown when a test etcd cannot be provided: the binary is missing, a member does not start
 * serving in time, or it exits while starting. The message says what to do about it (for a
 * missing binary, the exact install command) and, for a failed start, ends with the tail of
 * that member's log.
 *
 * <p>Unchecked on purpose: a test that needs etcd and cannot get it must fail, never skip.
 */
public class EtcdUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what went wrong and how to fix it. */
  public EtcdUnavailableException(String message) {
    super(message);
  }

  /** Creates the exception with a message and the failure that caused it. */
  public EtcdUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
