package dev.etcdcache.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.opentelemetry.api.trace.Span;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Forwards a call to etcd unchanged: the same method (etcd's generated descriptor), the caller's
 * messages one by one, etcd's response headers, messages, status and trailers back. Works for
 * unary and streaming methods alike (LeaseKeepAlive, Snapshot, Observe), with flow control on both
 * sides: a message is requested from one side only when the other can take it, so a slow reader
 * holds at most one message here. The caller's deadline and cancellation reach etcd through the
 * call's gRPC context; its auth token through {@link TokenRelay}.
 *
 * <p>Stateless and thread-safe; each call's state is in its own {@link Pipe}.
 */
final class Forwarder {

  /** clientv3's {@code WithRequireLeader} metadata (etcd {@code rpctypes.MetadataRequireLeaderKey}). */
  private static final Metadata.Key<String> HAS_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  private final Channel upstream;

  Forwarder(Channel upstream) {
    this.upstream = upstream;
  }

  /**
   * A service definition forwarding every method of {@code service}, except those in
   * {@code overrides} (full method name to handler), which are served locally.
   */
  ServerServiceDefinition service(ServiceDescriptor service, Map<String, ServerCallHandler<?, ?>> overrides) {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service);
    for (MethodDescriptor<?, ?> m : service.getMethods()) {
      ServerCallHandler<?, ?> own = overrides.get(m.getFullMethodName());
      add(b, m, own);
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  private <Q, R> void add(ServerServiceDefinition.Builder b, MethodDescriptor<Q, R> m, ServerCallHandler<?, ?> own) {
    ServerCallHandler<Q, R> h = own != null ? (ServerCallHandler<Q, R>) own : handler();
    b.addMethod(ServerMethodDefinition.create(m, h));
  }

  /** A handler forwarding whatever method it is registered for. */
  <Q, R> ServerCallHandler<Q, R> handler() {
    return this::start;
  }

  private <Q, R> ServerCall.Listener<Q> start(ServerCall<Q, R> serverCall, Metadata headers) {
    // The token is added by TokenRelay from the call's context. Of the rest of the caller's
    // metadata only clientv3's require-leader flag means something to etcd.
    Metadata forwarded = new Metadata();
    // For the RPC's span, when traced (RpcTracing made it current): etcd answers this call.
    Span.current().setAttribute(RpcTracing.DECISION, "etcd").setAttribute(RpcTracing.REASON, "forwarded");
    String hasLeader = headers.get(HAS_LEADER);
    if (hasLeader != null) {
      forwarded.put(HAS_LEADER, hasLeader);
    }
    Pipe<Q, R> pipe = new Pipe<>(serverCall,
        () -> upstream.newCall(serverCall.getMethodDescriptor(), CallOptions.DEFAULT), forwarded);
    serverCall.request(1);
    return pipe.fromCaller;
  }

  /**
   * One forwarded call: two listeners, each feeding the other side. The call to etcd starts with
   * the caller's first message (or half-close), so a request gRPC refuses before any message
   * (too large, not protobuf) never reaches etcd, and no etcd header can race with that refusal.
   * The caller's callbacks are serialized by gRPC; {@code clientCall} is set on that thread before
   * any etcd callback can run.
   */
  private static final class Pipe<Q, R> {
    private final ServerCall<Q, R> serverCall;
    private final Supplier<ClientCall<Q, R>> open;
    private final Metadata forwarded;
    private volatile ClientCall<Q, R> clientCall;
    // Guarded by this: a message was held back because the other side was not ready.
    private boolean callerWaiting;
    private boolean etcdWaiting;

    Pipe(ServerCall<Q, R> serverCall, Supplier<ClientCall<Q, R>> open, Metadata forwarded) {
      this.serverCall = serverCall;
      this.open = open;
      this.forwarded = forwarded;
    }

    private ClientCall<Q, R> clientCall() {
      ClientCall<Q, R> c = clientCall;
      if (c == null) {
        c = open.get();
        clientCall = c;
        c.start(fromEtcd, forwarded);
        c.request(1);
      }
      return c;
    }

    final ServerCall.Listener<Q> fromCaller = new ServerCall.Listener<>() {
      @Override
      public void onMessage(Q message) {
        ClientCall<Q, R> c = clientCall();
        c.sendMessage(message);
        synchronized (Pipe.this) {
          if (c.isReady()) {
            serverCall.request(1);
          } else {
            callerWaiting = true;
          }
        }
      }

      @Override
      public void onHalfClose() {
        clientCall().halfClose();
      }

      @Override
      public void onCancel() {
        ClientCall<Q, R> c = clientCall;
        if (c != null) {
          c.cancel("caller cancelled", null);
        }
      }

      @Override
      public void onReady() {
        synchronized (Pipe.this) {
          ClientCall<Q, R> c = clientCall;
          if (etcdWaiting && c != null) {
            etcdWaiting = false;
            c.request(1);
          }
        }
      }
    };

    final ClientCall.Listener<R> fromEtcd = new ClientCall.Listener<>() {
      @Override
      public void onHeaders(Metadata headers) {
        if (!serverCall.isCancelled()) {
          serverCall.sendHeaders(headers);
        }
      }

      @Override
      public void onMessage(R message) {
        serverCall.sendMessage(message);
        synchronized (Pipe.this) {
          if (serverCall.isReady()) {
            clientCall.request(1);
          } else {
            etcdWaiting = true;
          }
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        try {
          serverCall.close(status, trailers);
        } catch (IllegalStateException alreadyClosed) {
          // The caller went away first; nothing to tell it.
        }
      }

      @Override
      public void onReady() {
        synchronized (Pipe.this) {
          if (callerWaiting) {
            callerWaiting = false;
            serverCall.request(1);
          }
        }
      }
    };
  }
}
