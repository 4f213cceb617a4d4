package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Start and close as the client-test helper uses them: flags, bound port, clean shutdown, bind failure. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CacheServerLifecycleTest {

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  @Test
  void start_withFlags_servesAndCloseEndsWatchStreams() throws Exception {
    URI endpoint = etcd.endpoints().get(0);
    CacheServer server = CacheServer.start("--endpoints", endpoint.getHost() + ":" + endpoint.getPort(),
        "--listen-addr=127.0.0.1:0");
    ManagedChannel channel = ServerFixture.channel(URI.create(server.clientUrl()));
    try (RecordedStream stream = new RecordedStream(channel)) {
      assertThat(server.port()).isPositive();
      assertThat(server.clientUrl()).isEqualTo("http://127.0.0.1:" + server.port());
      server.ready().orTimeout(60, TimeUnit.SECONDS).join();
      assertThat(KVGrpc.newBlockingStub(channel).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build())
          .hasHeader()).isTrue();
      stream.create(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build());
      stream.await(1);

      server.close();
      server.close(); // idempotent

      stream.await(l -> false); // returns once the stream has ended (or after the hang guard)
      assertThat(Status.fromThrowable(stream.error()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      try (ServerSocket again = new ServerSocket(server.port(), 1, InetAddress.getByName("127.0.0.1"))) {
        assertThat(again.isBound()).isTrue(); // the port was released
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
    }
  }

  @Test
  void start_portInUse_failsNamingTheCause() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      ServerConfig config = ServerConfig.defaults().withEndpoints(etcd.endpoints())
          .withListen("127.0.0.1", taken.getLocalPort());
      assertThatThrownBy(() -> CacheServer.start(config)).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cannot start cache-server");
    }
  }
}
