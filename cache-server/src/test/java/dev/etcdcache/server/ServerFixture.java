package dev.etcdcache.server;

import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.auth.Permission;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A {@link CacheServer} in front of a test's real etcd, with a plain gRPC channel to each, so a
 * test sends the same request to both and compares the answers. Close it after the test class.
 */
final class ServerFixture implements AutoCloseable {

  final CacheServer server;
  final ManagedChannel toServer;
  final ManagedChannel toEtcd;

  ServerFixture(EtcdExtension etcd) {
    this(etcd, c -> c);
  }

  ServerFixture(EtcdExtension etcd, UnaryOperator<ServerConfig> configure) {
    this(etcd.endpoints(), configure);
  }

  /** A server in front of the etcd at {@code endpoints}; the test closes that etcd itself. */
  ServerFixture(List<URI> endpoints, UnaryOperator<ServerConfig> configure) {
    ServerConfig config = configure.apply(ServerConfig.defaults()
        .withEndpoints(endpoints)
        .withListen("127.0.0.1", 0));
    server = CacheServer.start(config);
    server.ready().orTimeout(60, TimeUnit.SECONDS).join();
    toServer = channel(URI.create(server.clientUrl()));
    toEtcd = channel(endpoints.get(0));
  }

  /**
   * Users with disjoint read grants on {@code auth}'s etcd — {@code mirror} (password
   * {@code mirror-pw}) reads everything, {@code alice} reads {@code pub/}, {@code bob} reads
   * {@code secret/} — and a server in front of it whose mirror runs as {@code mirror}.
   */
  static ServerFixture withDisjointReaders(EtcdCluster etcd, EtcdAuth auth) {
    auth.addUser("mirror", "mirror-pw");
    auth.grantRange("mirror", Permission.Type.READ, ByteSequence.from(new byte[] {0}),
        ByteSequence.from(new byte[] {0}));
    auth.addUser("alice", "alice-pw");
    auth.grantPrefix("alice", Permission.Type.READ, "pub/");
    auth.addUser("bob", "bob-pw");
    auth.grantPrefix("bob", Permission.Type.READ, "secret/");
    return new ServerFixture(etcd.clientEndpoints(), c -> c.withCredentials("mirror", "mirror-pw"));
  }

  /** {@code channel} sending {@code token} in etcd's token header ({@code channel} itself when null). */
  static Channel withToken(Channel channel, String token) {
    if (token == null) {
      return channel;
    }
    Metadata md = new Metadata();
    md.put(TokenRelay.TOKEN, token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  /**
   * A Range's answer through {@code channel} with {@code token} (null: none): the response, or the
   * failure as "CODE: description", so a test compares the server's and etcd's as values.
   */
  static Object rangeAnswer(Channel channel, String token, RangeRequest r) {
    try {
      return KVGrpc.newBlockingStub(withToken(channel, token)).withDeadlineAfter(30, TimeUnit.SECONDS).range(r);
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  /** A token for {@code user}, from an Authenticate sent through {@code channel}. */
  static String token(Channel channel, String user, String password) {
    return AuthGrpc.newBlockingStub(channel)
        .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build()).getToken();
  }

  static ManagedChannel channel(URI uri) {
    return NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort()).usePlaintext()
        .maxInboundMessageSize(Integer.MAX_VALUE).build();
  }

  /** Waits a little (for the mirror to see writes that went straight to etcd), as a test's polling step. */
  static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    toServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    toEtcd.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
