package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.api.KVGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ranges with a caller's token are served from the cache only where etcd lets that token read:
 * two users with disjoint roles through one server each get exactly etcd's answers, from memory
 * where allowed; forged tokens and no token get etcd's errors and no data; a revocation is
 * honoured within the permission TTL.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReadPermissionsTest {

  private static EtcdCluster etcd;
  private static EtcdAuth auth;
  private static ServerFixture fixture;
  private static CacheServer server;
  private static ManagedChannel toServer;
  private static ManagedChannel toEtcd;

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdCluster.builder().name("server-perms").build().start();
    try (Client root = etcd.newClient()) {
      root.getKVClient().put(bs("pub/a"), bs("1")).get(30, TimeUnit.SECONDS);
      root.getKVClient().put(bs("pub/b"), bs("2")).get(30, TimeUnit.SECONDS);
      root.getKVClient().put(bs("secret/a"), bs("3")).get(30, TimeUnit.SECONDS);
    }
    fixture = new ServerFixture(etcd.clientEndpoints(), c -> c);
    server = fixture.server;
    toServer = fixture.toServer;
    toEtcd = fixture.toEtcd;
    auth = etcd.enableAuth();
    auth.addUser("alice", "alice-pw");
    auth.grantPrefix("alice", Permission.Type.READ, "pub/");
    auth.addUser("bob", "bob-pw");
    auth.grantPrefix("bob", Permission.Type.READ, "secret/");
    ServerFixture.pause(Duration.ofSeconds(3)); // more than the server's auth probe interval
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
    etcd.close();
  }

  @Test
  void disjointUsers_throughOneServer_eachGetsExactlyEtcdsAnswers_neverTheOthersKeys() {
    String alice = token("alice", "alice-pw");
    String bob = token("bob", "bob-pw");
    for (String token : List.of(alice, bob)) {
      for (RangeRequest r : requests()) {
        assertThat(answer(toServer, token, r)).as(r.toString()).isEqualTo(answer(toEtcd, token, r));
      }
    }
    assertThat(answer(toServer, alice, get("secret/a", true)).toString()).contains("permission denied");
    assertThat(answer(toServer, bob, get("pub/a", true)).toString()).contains("permission denied");
    assertThat(answer(toServer, alice, prefix("pub/", true))).isInstanceOf(RangeResponse.class);
  }

  @Test
  void permittedSerializableRanges_areServedFromMemory_noRangeReachesEtcd() {
    String alice = token("alice", "alice-pw");
    answer(toServer, alice, get("pub/a", true)); // the permission check, remembered for a second
    double before = etcdRanges("OK");
    for (int i = 0; i < 5; i++) {
      assertThat(answer(toServer, alice, get("pub/a", true))).isInstanceOf(RangeResponse.class);
    }
    assertThat(etcdRanges("OK")).isEqualTo(before);
  }

  @Test
  void forgedTokenOrNoToken_getEtcdsErrorAndNoData() {
    for (String token : new String[] {"forged.token.123", null}) {
      for (RangeRequest r : requests()) {
        Object got = answer(toServer, token, r);
        assertThat(got).as(r.toString()).isEqualTo(answer(toEtcd, token, r)).isInstanceOf(String.class);
      }
    }
  }

  @Test
  void tokenInTheAuthorizationHeader_isTheCallersToken_asEtcdReadsIt() {
    String alice = token("alice", "alice-pw");
    for (String token : new String[] {alice, "forged.token.123"}) {
      for (RangeRequest r : requests()) {
        assertThat(authorizationAnswer(toServer, token, r)).as(r.toString())
            .isEqualTo(authorizationAnswer(toEtcd, token, r));
      }
    }
    assertThat(authorizationAnswer(toServer, alice, get("pub/a", true))).isInstanceOf(RangeResponse.class);
    assertThat(authorizationAnswer(toServer, alice, get("secret/a", true)).toString()).contains("permission denied");
  }

  @Test
  void revokedUser_isRefusedWithinThePermissionTtl() {
    auth.addUser("carol", "carol-pw");
    auth.grantPrefix("carol", Permission.Type.READ, "pub/");
    String carol = token("carol", "carol-pw");
    assertThat(answer(toServer, carol, get("pub/a", true))).isInstanceOf(RangeResponse.class);
    auth.deleteUser("carol");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (answer(toServer, carol, get("pub/a", true)) instanceof RangeResponse && System.nanoTime() < deadline) {
      ServerFixture.pause(Duration.ofMillis(100));
    }
    assertThat(answer(toServer, carol, get("pub/a", true))).isEqualTo(answer(toEtcd, carol, get("pub/a", true)))
        .isInstanceOf(String.class);
  }

  private static List<RangeRequest> requests() {
    return List.of(get("pub/a", true), get("pub/a", false), get("secret/a", true), get("secret/a", false),
        prefix("pub/", true), prefix("secret/", true), prefix("", true));
  }

  private static RangeRequest get(String key, boolean serializable) {
    return RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setSerializable(serializable).build();
  }

  private static RangeRequest prefix(String p, boolean serializable) {
    ByteString end = p.isEmpty() ? ByteString.copyFrom(new byte[] {0})
        : ByteString.copyFrom(EtcdAuth.prefixEnd(bs(p)).getBytes());
    return RangeRequest.newBuilder().setKey(p.isEmpty() ? ByteString.copyFrom(new byte[] {0})
        : ByteString.copyFromUtf8(p)).setRangeEnd(end).setSerializable(serializable).build();
  }

  private static String token(String user, String password) {
    return ServerFixture.token(toServer, user, password);
  }

  private static Object answer(ManagedChannel channel, String token, RangeRequest r) {
    return ServerFixture.rangeAnswer(channel, token, r);
  }

  /** A Range with {@code token} in etcd's {@code authorization} header (no {@code token} header). */
  private static Object authorizationAnswer(ManagedChannel channel, String token, RangeRequest r) {
    Metadata md = new Metadata();
    md.put(TokenRelay.AUTHORIZATION, token);
    try {
      return KVGrpc.newBlockingStub(ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md)))
          .withDeadlineAfter(30, TimeUnit.SECONDS).range(r);
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  private static double etcdRanges(String code) {
    return etcd.member(0).metrics().value("grpc_server_handled_total",
        Map.of("grpc_method", "Range", "grpc_code", code));
  }

  private static io.etcd.jetcd.ByteSequence bs(String s) {
    return io.etcd.jetcd.ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
