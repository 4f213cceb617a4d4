package dev.etcdcache.server;

import dev.etcdcache.core.CacheWire;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * etcd's KV service: {@code Range} answered through {@link CacheWire#range} (from the mirror when
 * it can answer exactly, from etcd otherwise, failing with etcd's status); {@code Put},
 * {@code DeleteRange}, {@code Txn} and {@code Compact} forwarded to etcd unchanged. A Range from a
 * caller with an auth token goes to etcd, so etcd checks that caller's permissions (the mirror
 * does not know them).
 *
 * <p>Thread-safe.
 */
final class KvService {

  private final CacheWire wire;
  private final ResponseHeaders headers;
  private final Forwarder forwarder;
  private final AuthGuard auth;

  KvService(CacheWire wire, ResponseHeaders headers, Forwarder forwarder, AuthGuard auth) {
    this.wire = wire;
    this.headers = headers;
    this.forwarder = forwarder;
    this.auth = auth;
  }

  ServerServiceDefinition definition() {
    ServerCallHandler<RangeRequest, RangeResponse> cached = ServerCalls.asyncUnaryCall(this::range);
    ServerCallHandler<RangeRequest, RangeResponse> forwarded = forwarder.handler();
    ServerCallHandler<RangeRequest, RangeResponse> range = (call, md) ->
        md.containsKey(TokenRelay.TOKEN) || !auth.servesTokenless()
            ? forwarded.startCall(call, md)
            : cached.startCall(call, md);
    return forwarder.service(KVGrpc.getServiceDescriptor(),
        Map.of(KVGrpc.getRangeMethod().getFullMethodName(), range));
  }

  private void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
    ServerCallStreamObserver<RangeResponse> call = (ServerCallStreamObserver<RangeResponse>) observer;
    call.setOnCancelHandler(() -> { });
    wire.range(request).whenComplete((response, failure) -> {
      if (call.isCancelled()) {
        return;
      }
      if (failure == null) {
        headers.observe(response.getHeader());
        call.onNext(response);
        call.onCompleted();
      } else {
        call.onError(asStatus(failure));
      }
    });
  }

  /** etcd's status exactly when the failure is etcd's; UNAVAILABLE naming the cache otherwise. */
  static Throwable asStatus(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StatusRuntimeException || c instanceof StatusException) {
        return c;
      }
    }
    return Status.UNAVAILABLE.withDescription("etcd-cache: " + t).withCause(t).asRuntimeException();
  }
}
