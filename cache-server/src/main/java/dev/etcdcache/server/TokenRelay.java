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
 * Carries a caller's etcd auth token from the incoming call to the call forwarded to etcd, so etcd
 * checks the caller's permissions, not the server's. etcd 3.4 reads the token from the
 * {@code token} header and, when there is none, from {@code authorization} (the gRPC gateway's
 * name; {@code AuthInfoFromCtx}, first value of either), so the server takes it the same way and
 * forwards it as {@code token}. The token lives only in the call's gRPC {@link Context}; it is
 * never logged.
 *
 * <p>Stateless and thread-safe: one instance intercepts the server, the same one the upstream channel.
 */
final class TokenRelay implements ServerInterceptor, ClientInterceptor {

  /** etcd's auth metadata key (etcd {@code rpctypes.TokenFieldNameGRPC}). */
  static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  /** etcd's other name for it ({@code rpctypes.TokenFieldNameSwagger}), read when {@code token} is absent. */
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> CALLER_TOKEN = Context.key("etcd-token");

  /** The current call's token, or {@code null} when the caller sent none. */
  static String callerToken() {
    return CALLER_TOKEN.get();
  }

  /** Whether {@code headers} carry a token, under either of etcd's names. */
  static boolean carriesToken(Metadata headers) {
    return headers.containsKey(TOKEN) || headers.containsKey(AUTHORIZATION);
  }

  /** The token in {@code headers} as etcd reads it (first {@code token}, else first {@code authorization}), or null. */
  static String token(Metadata headers) {
    Iterable<String> values = headers.getAll(headers.containsKey(TOKEN) ? TOKEN : AUTHORIZATION);
    return values == null ? null : values.iterator().next();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String token = token(headers);
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
        headers.discardAll(AUTHORIZATION);
        headers.put(TOKEN, token);
        super.start(listener, headers);
      }
    };
  }
}
