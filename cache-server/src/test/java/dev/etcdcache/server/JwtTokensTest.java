package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * etcd's jwt tokens ({@code --auth-token=jwt,...,sign-method=RS256}, keys generated in the test)
 * through the server as simple tokens: the mirror's own jwt is renewed when it expires, two users
 * with disjoint roles get etcd's answers to Ranges and watch creates, and an expired jwt gets
 * etcd's error.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JwtTokensTest {

  private static EtcdCluster etcd;
  private static ServerFixture fixture;
  private static CacheServer server;
  private static ManagedChannel toServer;
  private static ManagedChannel toEtcd;

  @BeforeAll
  static void start() throws Exception {
    TestCertificates certs = TestCertificates.create();
    etcd = EtcdCluster.builder().name("server-jwt").etcdArgs(certs.jwtAuthTokenFlag(Duration.ofSeconds(5)))
        .build().start();
    try (Client root = etcd.newClient()) {
      root.getKVClient().put(bs("pub/a"), bs("1")).get(30, TimeUnit.SECONDS);
      root.getKVClient().put(bs("secret/a"), bs("2")).get(30, TimeUnit.SECONDS);
    }
    EtcdAuth auth = etcd.enableAuth();
    fixture = ServerFixture.withDisjointReaders(etcd, auth);
    server = fixture.server;
    toServer = fixture.toServer;
    toEtcd = fixture.toEtcd;
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
    etcd.close();
  }

  @Test
  void jwtTokens_disjointUsers_getEtcdsAnswersToRangesAndWatchCreates() throws Exception {
    for (String[] user : new String[][] {{"alice", "alice-pw"}, {"bob", "bob-pw"}}) {
      assertThat(token(user[0], user[1])).as("a jwt: header.payload.signature").matches("[^.]+\\.[^.]+\\.[^.]+");
      for (RangeRequest r : List.of(get("pub/a"), get("secret/a"), prefix("pub/"), prefix("secret/"))) {
        String token = token(user[0], user[1]); // fresh: each lives 5 s
        assertThat(answer(toServer, token, r)).as(user[0] + " " + r).isEqualTo(answer(toEtcd, token, r));
      }
      String token = token(user[0], user[1]);
      try (RecordedStream viaServer = new RecordedStream(as(toServer, token));
           RecordedStream viaEtcd = new RecordedStream(as(toEtcd, token))) {
        List<WatchCreateRequest> creates = List.of(watchPrefix("pub/"), watchPrefix("secret/"));
        for (int i = 0; i < creates.size(); i++) {
          viaEtcd.create(creates.get(i));
          viaServer.create(creates.get(i));
          assertThat(withoutHeaders(viaServer.await(i + 1))).isEqualTo(withoutHeaders(viaEtcd.await(i + 1)));
        }
      }
    }
  }

  @Test
  void expiredJwt_getsEtcdsError_whileTheMirrorRenewsItsOwn() throws Exception {
    String alice = token("alice", "alice-pw");
    assertThat(answer(toServer, alice, get("pub/a"))).isNotInstanceOf(String.class);
    Thread.sleep(7_000); // past the jwt's 5 s expiry (and past the mirror's own token's)
    Object expired = answer(toServer, alice, get("pub/a"));
    assertThat(expired).isEqualTo(answer(toEtcd, alice, get("pub/a"))).isInstanceOf(String.class);
    try (Client root = etcd.newClient()) {
      root.getKVClient().put(bs("pub/a"), bs("after-expiry")).get(30, TimeUnit.SECONDS);
    }
    String fresh = token("alice", "alice-pw");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Object got = answer(toServer, fresh, get("pub/a"));
    while (!got.toString().contains("after-expiry") && System.nanoTime() < deadline) {
      ServerFixture.pause(Duration.ofMillis(100));
      got = answer(toServer, fresh, get("pub/a"));
    }
    assertThat(got.toString()).contains("after-expiry");
  }

  private static RangeRequest get(String key) {
    return RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setSerializable(true).build();
  }

  private static RangeRequest prefix(String p) {
    return RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(p))
        .setRangeEnd(ByteString.copyFrom(EtcdAuth.prefixEnd(bs(p)).getBytes())).setSerializable(true).build();
  }

  private static WatchCreateRequest watchPrefix(String p) {
    return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(p))
        .setRangeEnd(ByteString.copyFrom(EtcdAuth.prefixEnd(bs(p)).getBytes())).build();
  }

  private static List<WatchResponse> withoutHeaders(List<WatchResponse> l) {
    return l.stream().map(r -> r.toBuilder().clearHeader().build()).toList();
  }

  private static String token(String user, String password) {
    return ServerFixture.token(toServer, user, password);
  }

  private static Channel as(ManagedChannel channel, String token) {
    return ServerFixture.withToken(channel, token);
  }

  /** The response without its header (the server's revision may trail etcd's), or "CODE: description". */
  private static Object answer(ManagedChannel channel, String token, RangeRequest r) {
    try {
      return KVGrpc.newBlockingStub(as(channel, token)).withDeadlineAfter(30, TimeUnit.SECONDS).range(r).toBuilder()
          .clearHeader().build();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
