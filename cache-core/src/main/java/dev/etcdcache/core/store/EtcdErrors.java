package dev.etcdcache.core.store;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The one place that makes failures which must look exactly like etcd's. jetcd 0.8.6 fails KV
 * futures with the raw {@link StatusRuntimeException} it received, so a drop-in fails them the
 * same way: same class, status code and message (etcd's {@code rpctypes}).
 *
 * <p>Internal, no compatibility promise.
 */
public final class EtcdErrors {

  private EtcdErrors() {}

  /** etcd's {@code ErrGRPCCompacted}. */
  public static StatusRuntimeException compacted() {
    return Status.OUT_OF_RANGE
        .withDescription("etcdserver: mvcc: required revision has been compacted")
        .asRuntimeException();
  }

  /** etcd's {@code ErrGRPCFutureRev}. */
  public static StatusRuntimeException futureRevision() {
    return Status.OUT_OF_RANGE
        .withDescription("etcdserver: mvcc: required revision is a future revision")
        .asRuntimeException();
  }

  /** etcd's {@code ErrGRPCEmptyKey}. */
  public static StatusRuntimeException emptyKey() {
    return Status.INVALID_ARGUMENT
        .withDescription("etcdserver: key is not provided")
        .asRuntimeException();
  }
}
