package dev.etcdcache.server;

import dev.etcdcache.testing.EtcdExtension;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.time.Duration;
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
    ServerConfig config = configure.apply(ServerConfig.defaults()
        .withEndpoints(etcd.endpoints())
        .withListen("127.0.0.1", 0));
    server = CacheServer.start(config);
    server.ready().orTimeout(60, TimeUnit.SECONDS).join();
    toServer = channel(URI.create(server.clientUrl()));
    toEtcd = channel(etcd.endpoints().get(0));
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
