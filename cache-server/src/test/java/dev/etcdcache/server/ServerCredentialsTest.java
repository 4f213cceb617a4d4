package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.auth.Permission;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * etcd with auth enabled before the server starts: the server's mirror logs in with its own
 * credentials (read on the mirrored prefix only) and serves permitted callers from memory.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServerCredentialsTest {

  @Test
  void mirrorWithReadOnItsPrefixOnly_becomesReady_andServesPermittedCallersFromMemory() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("server-creds").build().start()) {
      try (Client root = etcd.newClient()) {
        root.getKVClient().put(bs("pub/a"), bs("1")).get(30, TimeUnit.SECONDS);
        root.getKVClient().put(bs("secret/a"), bs("2")).get(30, TimeUnit.SECONDS);
      }
      EtcdAuth auth = etcd.enableAuth();
      auth.addUser("cache", "cache-pw");
      auth.grantPrefix("cache", Permission.Type.READ, "pub/");
      auth.addUser("alice", "alice-pw");
      auth.grantPrefix("alice", Permission.Type.READ, "pub/");
      try (CacheServer server = CacheServer.start("--endpoints=" + etcd.clientEndpoints().get(0),
          "--listen-addr=127.0.0.1:0", "--prefix=pub/", "--user=cache:cache-pw")) {
        server.ready().orTimeout(60, TimeUnit.SECONDS).join();
        ManagedChannel toServer = ServerFixture.channel(URI.create(server.clientUrl()));
        ManagedChannel toEtcd = ServerFixture.channel(etcd.clientEndpoints().get(0));
        try {
          String alice = AuthGrpc.newBlockingStub(toServer).authenticate(AuthenticateRequest.newBuilder()
              .setName("alice").setPassword("alice-pw").build()).getToken();
          RangeRequest pub = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("pub/a")).build();
          RangeRequest pubSerializable = pub.toBuilder().setSerializable(true).build();
          RangeRequest secret = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("secret/a")).build();

          assertThat(answer(toServer, alice, pub)).isEqualTo(answer(toEtcd, alice, pub))
              .isInstanceOf(RangeResponse.class);
          assertThat(answer(toServer, alice, secret)).isEqualTo(answer(toEtcd, alice, secret))
              .asString().contains("permission denied");
          assertThat(answer(toServer, null, pub)).isEqualTo(answer(toEtcd, null, pub)).isInstanceOf(String.class);

          answer(toServer, alice, pubSerializable);
          double before = etcd.member(0).metrics().value("grpc_server_handled_total",
              Map.of("grpc_method", "Range", "grpc_code", "OK"));
          for (int i = 0; i < 5; i++) {
            assertThat(answer(toServer, alice, pubSerializable)).isInstanceOf(RangeResponse.class);
          }
          assertThat(etcd.member(0).metrics().value("grpc_server_handled_total",
              Map.of("grpc_method", "Range", "grpc_code", "OK"))).isEqualTo(before);
        } finally {
          toServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
          toEtcd.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static Object answer(ManagedChannel channel, String token, RangeRequest r) {
    return ServerFixture.rangeAnswer(channel, token, r);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
