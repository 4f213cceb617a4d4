package dev.etcdcache.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.util.Map;

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
    ClientCall<Q, R> clientCall = upstream.newCall(serverCall.getMethodDescriptor(), CallOptions.DEFAULT);
    Pipe<Q, R> pipe = new Pipe<>(serverCall, clientCall);
    // The token is added by TokenRelay from the call's context; nothing else of the caller's
    // metadata is etcd's business (grpc-proxy forwards only the token, too).
    clientCall.start(pipe.fromEtcd, new Metadata());
    serverCall.request(1);
    clientCall.request(1);
    return pipe.fromCaller;
  }

  /** One forwarded call: two listeners, each feeding the other side. */
  private static final class Pipe<Q, R> {
    private final ServerCall<Q, R> serverCall;
    private final ClientCall<Q, R> clientCall;
    // Guarded by this: a message was held back because the other side was not ready.
    private boolean callerWaiting;
    private boolean etcdWaiting;

    Pipe(ServerCall<Q, R> serverCall, ClientCall<Q, R> clientCall) {
      this.serverCall = serverCall;
      this.clientCall = clientCall;
    }

    final ServerCall.Listener<Q> fromCaller = new ServerCall.Listener<>() {
      @Override
      public void onMessage(Q message) {
        clientCall.sendMessage(message);
        synchronized (Pipe.this) {
          if (clientCall.isReady()) {
            serverCall.request(1);
          } else {
            callerWaiting = true;
          }
        }
      }

      @Override
      public void onHalfClose() {
        clientCall.halfClose();
      }

      @Override
      public void onCancel() {
        clientCall.cancel("caller cancelled", null);
      }

      @Override
      public void onReady() {
        synchronized (Pipe.this) {
          if (etcdWaiting) {
            etcdWaiting = false;
            clientCall.request(1);
          }
        }
      }
    };

    final ClientCall.Listener<R> fromEtcd = new ClientCall.Listener<>() {
      @Override
      public void onHeaders(Metadata headers) {
        serverCall.sendHeaders(headers);
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
