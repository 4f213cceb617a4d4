package dev.etcdcache.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One OpenTelemetry span per RPC (name {@code etcdserverpb.KV/Range}, kind server), a child of the
 * caller's trace when the request carries one (W3C {@code traceparent} metadata, through the
 * configured propagators), current while the call's handlers run, so the cache's own spans (a
 * pass-through, a consistent-read wait) are its children. It carries the cache's decision:
 * {@code etcd_cache.decision} = {@code memory} (reason {@code served}) for a Range or Watch, which
 * the cache overwrites with {@code etcd} and its {@code etcd_cache.reason} when a read goes to etcd,
 * and the {@link Forwarder} with {@code etcd}/{@code forwarded} for every call it sends to etcd
 * whole (every other RPC, and a Range or Watch the cache may not serve for that caller).
 * Ends when the call closes or is cancelled, with the gRPC status code. Thread-safe.
 */
final class RpcTracing implements ServerInterceptor {

  static final AttributeKey<String> DECISION = AttributeKey.stringKey("etcd_cache.decision");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("etcd_cache.reason");
  private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  private static final AttributeKey<Long> RPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");

  private static final TextMapGetter<Metadata> METADATA = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Metadata carrier) {
      return carrier.keys();
    }

    @Override
    public String get(Metadata carrier, String key) {
      return carrier == null || key.endsWith(Metadata.BINARY_HEADER_SUFFIX) ? null
          : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  /** Tracing through {@code openTelemetry}; null passes every call through untouched. */
  RpcTracing(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry == null ? null : openTelemetry.getTracer("dev.etcdcache.server");
    this.propagator = openTelemetry == null ? null : openTelemetry.getPropagators().getTextMapPropagator();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (tracer == null) {
      return next.startCall(call, headers);
    }
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    Context parent = propagator.extract(Context.root(), headers, METADATA);
    Span span = tracer.spanBuilder(method.getFullMethodName()).setSpanKind(SpanKind.SERVER).setParent(parent)
        .startSpan();
    span.setAttribute(RPC_SYSTEM, "grpc");
    span.setAttribute(RPC_SERVICE, String.valueOf(method.getServiceName()));
    span.setAttribute(RPC_METHOD, String.valueOf(method.getBareMethodName()));
    if ("etcdserverpb.KV".equals(method.getServiceName()) && "Range".equals(method.getBareMethodName())
        || "etcdserverpb.Watch".equals(method.getServiceName())) {
      span.setAttribute(DECISION, "memory");
      span.setAttribute(REASON, "served");
    }
    Context context = parent.with(span);
    AtomicBoolean ended = new AtomicBoolean();
    ServerCall<Q, R> ending = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (ended.compareAndSet(false, true)) {
          span.setAttribute(RPC_STATUS, (long) status.getCode().value());
          if (!status.isOk()) {
            span.setStatus(StatusCode.ERROR, status.getCode().name());
          }
          span.end();
        }
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> listener;
    try (Scope ignored = context.makeCurrent()) {
      listener = next.startCall(ending, headers);
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        try (Scope ignored = context.makeCurrent()) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        try (Scope ignored = context.makeCurrent()) {
          super.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        try (Scope ignored = context.makeCurrent()) {
          super.onCancel();
        } finally {
          if (ended.compareAndSet(false, true)) {
            span.setStatus(StatusCode.ERROR, "CANCELLED");
            span.end();
          }
        }
      }

      @Override
      public void onComplete() {
        try (Scope ignored = context.makeCurrent()) {
          super.onComplete();
        }
      }

      @Override
      public void onReady() {
        try (Scope ignored = context.makeCurrent()) {
          super.onReady();
        }
      }
    };
  }
}
