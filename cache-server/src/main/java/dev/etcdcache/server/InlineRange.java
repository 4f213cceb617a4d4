package dev.etcdcache.server;

import io.etcd.jetcd.api.KVGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;

/**
 * Runs {@code KV.Range} calls on the transport (Netty event-loop) thread that received them
 * instead of handing each call to the server's executor. A Range the mirror answers is a lookup in
 * memory that never blocks, and a Range that has to wait (a linearizable probe, a pass-through to
 * etcd, a permission check) completes later, answered back on this event loop ({@code KvService}),
 * so nothing here blocks the event loop; what the executor added was a hand-off per call, and the wake-up of an
 * idle executor thread, which made a served point read cost more CPU at 1 connection than etcd's.
 * Every other method (Watch creates, forwarded calls) runs on {@code others}.
 *
 * <p>The server's own executor must be a direct one: grpc-java looks up each call's method (and
 * asks this supplier) on the server's executor before it switches to the one supplied here, so with
 * a pool there every Range still woke a pool thread, which then woke the event loop back (one futex
 * and one eventfd write per call, measured with strace at one connection).
 *
 * <p>Thread-safe.
 */
final class InlineRange implements ServerCallExecutorSupplier {

  private static final String RANGE = KVGrpc.getRangeMethod().getFullMethodName();
  private static final Executor INLINE = Runnable::run;

  private final Executor others;

  /** @param others where every method but Range runs */
  InlineRange(Executor others) {
    this.others = others;
  }

  @Override
  public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
    return RANGE.equals(call.getMethodDescriptor().getFullMethodName()) ? INLINE : others;
  }
}
