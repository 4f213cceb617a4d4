package dev.etcdcache.server;

import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.WatchGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;

/**
 * Refuses calls without an etcd token while {@link AuthGuard#refusesTokenless()}: etcd's auth is on
 * and the server's connections to etcd present a client certificate, whose CN etcd would take as
 * the user of a forwarded tokenless call. A caller must never act as the server's etcd user, and
 * the server cannot make etcd see the caller's own certificate, so such a call gets the error etcd
 * gives a caller it knows no user of: {@code etcdserver: user name is empty} (INVALID_ARGUMENT).
 * Exceptions: {@code Authenticate} (how a caller gets a token; etcd checks the password), gRPC
 * health (answered by the server), and {@code Watch}, whose creates {@link WatchService} refuses one
 * by one as etcd does. With {@code --client-cert-issuer-cert} nothing is refused here: a caller's
 * verified certificate gives it a CN ({@link CallerCertificate}) and the call reaches etcd as that
 * CN ({@link CallerChannels}).
 *
 * <p>Stateless and thread-safe.
 */
final class TokenlessRefusal implements ServerInterceptor {

  /** etcd's {@code rpctypes.ErrGRPCUserEmpty} message. */
  static final String USER_EMPTY = "etcdserver: user name is empty";

  private final AuthGuard auth;

  TokenlessRefusal(AuthGuard auth) {
    this.auth = auth;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (TokenRelay.carriesToken(headers) || !auth.refusesTokenless()
        || CallerCertificate.commonName() != null
        || method.equals(AuthGrpc.getAuthenticateMethod().getFullMethodName())
        || method.equals(WatchGrpc.getWatchMethod().getFullMethodName())
        || method.startsWith(HealthGrpc.SERVICE_NAME + "/")) {
      return next.startCall(call, headers);
    }
    call.close(Status.INVALID_ARGUMENT.withDescription(USER_EMPTY), new Metadata());
    return new ServerCall.Listener<>() { };
  }
}
