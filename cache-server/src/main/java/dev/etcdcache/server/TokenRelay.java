package dev.etcdcache.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Carries a caller's etcd auth token (the {@code token} request header etcd's clients send) from
 * the incoming call to the call forwarded to etcd, so etcd checks the caller's permissions, not
 * the server's. The token lives only in the call's gRPC {@link Context}; it is never logged.
 *
 * <p>Stateless and thread-safe: one instance intercepts the server, the same one the upstream channel.
 */
final class TokenRelay implements ServerInterceptor, ClientInterceptor {

  /** etcd's auth metadata key (etcd {@code rpctypes.TokenFieldNameGRPC}). */
  static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> CALLER_TOKEN = Context.key("etcd-token");

  /** The current call's token, or {@code null} when the caller sent none. */
  static String callerToken() {
    return CALLER_TOKEN.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String token = headers.get(TOKEN);
    if (token == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER_TOKEN, token), call, headers, next);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    String token = CALLER_TOKEN.get();
    ClientCall<Q, R> call = next.newCall(method, options);
    if (token == null) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        headers.discardAll(TOKEN);
        headers.put(TOKEN, token);
        super.start(listener, headers);
      }
    };
  }
}
