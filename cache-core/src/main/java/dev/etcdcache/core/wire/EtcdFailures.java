package dev.etcdcache.core.wire;

import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * How etcd's failures look once they crossed futures: the status exception jetcd raised, wrapped
 * in {@link CompletionException}s or an {@link ExecutionException}. One place unwraps them and
 * recognises the conditions the cache acts on.
 */
public final class EtcdFailures {

  private EtcdFailures() {}

  /** The failure inside any future wrappers. */
  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Whether etcd refused the request because its revision was compacted. */
  public static boolean isCompacted(Throwable failure) {
    Status status = Status.fromThrowable(unwrap(failure));
    return status.getCode() == Status.Code.OUT_OF_RANGE && status.getDescription() != null
        && status.getDescription().contains("compacted");
  }

  /** Whether the failure is a gRPC status with {@code code}. */
  public static boolean hasCode(Throwable failure, Status.Code code) {
    return Status.fromThrowable(unwrap(failure)).getCode() == code;
  }
}
