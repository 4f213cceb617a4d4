package dev.etcdcache.server;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Per-RPC metrics with the names and labels etcd exports (go-grpc-prometheus):
 * {@code grpc_server_started_total} and {@code grpc_server_handled_total} by
 * {@code grpc_service, grpc_method, grpc_type} (and {@code grpc_code} for handled), and the
 * latency histogram {@code grpc_server_handling_seconds}. A call cancelled by its client counts as
 * CANCELLED.
 *
 * <p>Thread-safe.
 */
final class RpcMetrics implements ServerInterceptor {

  private final MeterRegistry registry;
  /**
   * Each method's meters, registered once: building and looking up a meter in the registry on
   * every RPC cost more CPU than serving a cached Range.
   */
  private final ConcurrentHashMap<String, MethodMeters> methods = new ConcurrentHashMap<>();

  RpcMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> m = call.getMethodDescriptor();
    MethodMeters meters = methods.computeIfAbsent(m.getFullMethodName(), name -> new MethodMeters(m));
    meters.started.increment();
    Outcome outcome = new Outcome(meters, System.nanoTime());
    ServerCall<Q, R> counted = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        outcome.record(status.getCode());
        super.close(status, trailers);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
      @Override
      public void onCancel() {
        outcome.record(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  /** One method's meters; a handled counter per status code, made on the code's first use. */
  private final class MethodMeters {
    private final String service;
    private final String method;
    private final String type;
    private final Counter started;
    private final Timer handling;
    private final ConcurrentHashMap<Status.Code, Counter> handled = new ConcurrentHashMap<>();

    MethodMeters(MethodDescriptor<?, ?> m) {
      this.service = m.getServiceName();
      this.method = m.getBareMethodName();
      this.type = type(m.getType());
      this.started = Counter.builder("grpc.server.started").description("RPCs started on the server")
          .tags("grpc_service", service, "grpc_method", method, "grpc_type", type)
          .register(registry);
      this.handling = Timer.builder("grpc.server.handling").description("RPC handling time on the server")
          .tags("grpc_service", service, "grpc_method", method, "grpc_type", type)
          .publishPercentileHistogram()
          .register(registry);
    }

    Counter handled(Status.Code code) {
      return handled.computeIfAbsent(code, c -> Counter.builder("grpc.server.handled")
          .description("RPCs completed on the server")
          .tags("grpc_service", service, "grpc_method", method, "grpc_type", type, "grpc_code", c.name())
          .register(registry));
    }
  }

  /** One call's end, recorded once: by its close, or as CANCELLED when its client went first. */
  private static final class Outcome {
    private final MethodMeters meters;
    private final long startNanos;
    private final AtomicBoolean recorded = new AtomicBoolean();

    Outcome(MethodMeters meters, long startNanos) {
      this.meters = meters;
      this.startNanos = startNanos;
    }

    void record(Status.Code code) {
      if (!recorded.compareAndSet(false, true)) {
        return;
      }
      meters.handled(code).increment();
      meters.handling.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
  }

  private static String type(MethodDescriptor.MethodType t) {
    return switch (t) {
      case UNARY -> "unary";
      case CLIENT_STREAMING -> "client_stream";
      case SERVER_STREAMING -> "server_stream";
      case BIDI_STREAMING -> "bidi_stream";
      default -> t.name().toLowerCase(Locale.ROOT);
    };
  }
}
