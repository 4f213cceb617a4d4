package dev.etcdcache.server;

import dev.etcdcache.core.CacheWire;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * etcd's KV service: {@code Range} answered through {@link CacheWire#range} (from the mirror when
 * it can answer exactly, from etcd otherwise, failing with etcd's status); {@code Put},
 * {@code DeleteRange}, {@code Txn} and {@code Compact} forwarded to etcd unchanged.
 *
 * <p>A Range from a caller with an auth token is answered from the cache only once etcd said that
 * token may read the request's {@code [key, range_end)} ({@link ReadPermissions}, remembered for a
 * bounded time); otherwise, or if the cache cannot answer, it goes to etcd with the caller's token,
 * so the caller gets etcd's own answer or error. A Range without a token is answered from the cache
 * only while etcd's auth is disabled ({@link AuthGuard}); while it is on, one from a caller whose
 * client certificate names an etcd user ({@link CallerCertificate}) is checked and forwarded as a
 * token caller's, but as that CN ({@link CallerChannels}).
 *
 * <p>Thread-safe.
 */
final class KvService {

  private final CacheWire wire;
  private final ResponseHeaders headers;
  private final Forwarder forwarder;
  private final AuthGuard auth;
  private final ReadPermissions permissions;
  private final Channel upstream;
  /** Connections acting as a certificate-only caller's CN; null without {@code --client-cert-issuer-cert}. */
  private final CallerChannels callers;

  KvService(CacheWire wire, ResponseHeaders headers, Forwarder forwarder, AuthGuard auth,
      ReadPermissions permissions, Channel upstream, CallerChannels callers) {
    this.callers = callers;
    this.wire = wire;
    this.headers = headers;
    this.forwarder = forwarder;
    this.auth = auth;
    this.permissions = permissions;
    this.upstream = upstream;
  }

  ServerServiceDefinition definition() {
    ServerCallHandler<RangeRequest, RangeResponse> cached = ServerCalls.asyncUnaryCall(this::range);
    ServerCallHandler<RangeRequest, RangeResponse> checked = ServerCalls.asyncUnaryCall(this::checkedRange);
    ServerCallHandler<RangeRequest, RangeResponse> forwarded = forwarder.handler();
    // A certificate-only caller (CallerCertificate) is checked as a token caller is, but as its CN.
    ServerCallHandler<RangeRequest, RangeResponse> range = (call, md) ->
        TokenRelay.carriesToken(md) ? checked.startCall(call, md)
            : auth.servesTokenless() ? cached.startCall(call, md)
            : CallerCertificate.commonName() != null ? checked.startCall(call, md)
            : forwarded.startCall(call, md);
    return forwarder.service(KVGrpc.getServiceDescriptor(),
        Map.of(KVGrpc.getRangeMethod().getFullMethodName(), range));
  }

  private void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
    ServerCallStreamObserver<RangeResponse> call = (ServerCallStreamObserver<RangeResponse>) observer;
    call.setOnCancelHandler(() -> { });
    answerFromCache(request, call, connectionLoop(), failure -> call.onError(asStatus(failure)));
  }

  /**
   * The event loop of the connection this call came on (Range runs there, see {@link InlineRange}):
   * a read that waits is answered back on it, so the reads sharing one linearizable probe are
   * evaluated and sent by their connections' loops in parallel, not all by the one thread that
   * received the probe's answer, and each answer is written from its channel's own loop. Null off
   * an event loop (not expected): then the thread that ends the wait answers.
   */
  private static EventExecutor connectionLoop() {
    return ThreadExecutorMap.currentExecutor();
  }

  /**
   * The cache's answer to {@code request} on {@code call}, sent from {@code home} (a read that waits
   * is evaluated there too; an answer etcd gave is moved there from the client's thread);
   * {@code onFailure} when it has none.
   */
  private void answerFromCache(RangeRequest request, ServerCallStreamObserver<RangeResponse> call, EventExecutor home,
      java.util.function.Consumer<Throwable> onFailure) {
    wire.range(request, home != null ? home : Runnable::run).whenComplete((response, failure) -> {
      if (home == null || home.inEventLoop()) {
        answer(call, response, failure, onFailure);
      } else {
        home.execute(() -> answer(call, response, failure, onFailure));
      }
    });
  }

  private void answer(ServerCallStreamObserver<RangeResponse> call, RangeResponse response, Throwable failure,
      java.util.function.Consumer<Throwable> onFailure) {
    if (call.isCancelled()) {
      return;
    }
    if (failure == null) {
      headers.observe(response.getHeader());
      call.onNext(response);
      call.onCompleted();
    } else {
      onFailure.accept(failure);
    }
  }

  /** A caller with a token: from the cache if etcd lets that token read the range, else etcd's own answer. */
  private void checkedRange(RangeRequest request, StreamObserver<RangeResponse> observer) {
    ServerCallStreamObserver<RangeResponse> call = (ServerCallStreamObserver<RangeResponse>) observer;
    call.setOnCancelHandler(() -> { });
    String token = TokenRelay.callerToken();
    ReadPermissions.Caller caller = token != null ? ReadPermissions.Caller.withToken(token)
        : ReadPermissions.Caller.withCertificate(CallerCertificate.commonName());
    // The RPC's span (RpcTracing made it current here; the answer comes on other threads).
    Span rpc = Span.current();
    EventExecutor home = connectionLoop();
    permissions.mayRead(caller, request.getKey(), request.getRangeEnd()).thenAccept(allowed -> {
      if (!allowed) {
        rpc.setAttribute(RpcTracing.DECISION, "etcd").setAttribute(RpcTracing.REASON, "permission_not_confirmed");
        forward(request, caller, call);
        return;
      }
      answerFromCache(request, call, home, failure -> {
        // The cache could not answer (its own credentials may not serve this): ask etcd as the caller.
        rpc.setAttribute(RpcTracing.DECISION, "etcd").setAttribute(RpcTracing.REASON, "cache_failed");
        forward(request, caller, call);
      });
    });
  }

  /**
   * {@code request} to etcd as the caller (with its token, or over its CN's connections); etcd's
   * answer or status back to the caller.
   */
  private void forward(RangeRequest request, ReadPermissions.Caller caller,
      ServerCallStreamObserver<RangeResponse> call) {
    if (call.isCancelled()) {
      return;
    }
    KVGrpc.KVStub stub;
    if (caller.token() != null) {
      Metadata md = new Metadata();
      md.put(TokenRelay.TOKEN, caller.token());
      stub = KVGrpc.newStub(upstream).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    } else {
      try {
        stub = KVGrpc.newStub(callers.channel(caller.commonName()));
      } catch (RuntimeException e) {
        call.onError(asStatus(e));
        return;
      }
    }
    stub.range(request, new StreamObserver<RangeResponse>() {
          @Override
          public void onNext(RangeResponse value) {
            if (!call.isCancelled()) {
              call.onNext(value);
            }
          }

          @Override
          public void onError(Throwable t) {
            if (!call.isCancelled()) {
              call.onError(Status.fromThrowable(t).asRuntimeException(Status.trailersFromThrowable(t)));
            }
          }

          @Override
          public void onCompleted() {
            if (!call.isCancelled()) {
              call.onCompleted();
            }
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
