package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.auth.Permission;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Watches with a caller's token are served from the mirror only where etcd lets that token read:
 * two users with disjoint roles watching through one server get what etcd gives each of them
 * (created, refused, events) and never the other's keys; a caller whose read permission is revoked while watching is cut off within
 * the re-check bound, while etcd 3.4 itself keeps a direct watcher's stream running.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WatchPermissionsTest {

  private static EtcdCluster etcd;
  private static EtcdAuth auth;
  private static ServerFixture fixture;
  private static CacheServer server;
  private static ManagedChannel toServer;
  private static ManagedChannel toEtcd;

  @BeforeAll
  static void start() {
    etcd = EtcdCluster.builder().name("watch-perms").build().start();
    auth = etcd.enableAuth();
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
  void disjointUsers_watchingThroughOneServer_getEtcdsAnswers_neverTheOthersKeys() throws Exception {
    for (String[] user : new String[][] {{"alice", "alice-pw", "pub/"}, {"bob", "bob-pw", "secret/"}}) {
      String token = token(user[0], user[1]);
      try (RecordedStream viaServer = new RecordedStream(as(toServer, token));
           RecordedStream viaEtcd = new RecordedStream(as(toEtcd, token))) {
        // Own prefix, the other's prefix, everything from "" on, own prefix again: one create at a time.
        List<WatchCreateRequest> creates = List.of(prefix("pub/"), prefix("secret/"),
            WatchCreateRequest.newBuilder().setKey(bs0()).setRangeEnd(bs0()).build(), prefix(user[2]));
        for (int i = 0; i < creates.size(); i++) {
          int n = i + 1;
          viaEtcd.create(creates.get(i));
          viaServer.create(creates.get(i));
          assertThat(withoutHeaders(viaServer.await(n))).as(user[0] + " create " + n)
              .isEqualTo(withoutHeaders(viaEtcd.await(n)));
        }
        long secret = put("secret/k-" + user[0], "s");
        long pub = put("pub/k-" + user[0], "p");
        Predicate<List<WatchResponse>> bothEvents = l -> events(l).size() >= 2;
        List<Event> seen = events(viaServer.await(bothEvents));
        assertThat(seen).isEqualTo(events(viaEtcd.await(bothEvents)));
        assertThat(seen).extracting(e -> e.getKv().getKey().toStringUtf8()).allMatch(k -> k.startsWith(user[2]))
            .hasSize(2); // the same event on both of the user's watches
        assertThat(seen).extracting(e -> e.getKv().getModRevision())
            .containsOnly(user[2].equals("pub/") ? pub : secret);
      }
    }
  }

  @Test
  void forgedToken_everyCreateRefusedAsEtcdDoes() throws Exception {
    try (RecordedStream viaServer = new RecordedStream(as(toServer, "forged.token.1"));
         RecordedStream viaEtcd = new RecordedStream(as(toEtcd, "forged.token.1"))) {
      viaEtcd.create(prefix("pub/"));
      viaServer.create(prefix("pub/"));
      assertThat(withoutHeaders(viaServer.await(1))).isEqualTo(withoutHeaders(viaEtcd.await(1)));
      assertThat(viaServer.responses().get(0).getCanceled()).isTrue();
    }
  }

  @Test
  void readPermissionRevokedWhileWatching_serverCancelsTheWatch_etcdKeepsItsOwnRunning() throws Exception {
    auth.addUser("carol", "carol-pw");
    auth.grantPrefix("carol", Permission.Type.READ, "shared/");
    String token = token("carol", "carol-pw");
    try (RecordedStream viaServer = new RecordedStream(as(toServer, token));
         RecordedStream viaEtcd = new RecordedStream(as(toEtcd, token))) {
      viaServer.create(prefix("shared/"));
      viaEtcd.create(prefix("shared/"));
      assertThat(viaServer.await(1).get(0).getCanceled()).isFalse();
      assertThat(viaEtcd.await(1).get(0).getCanceled()).isFalse();
      put("shared/before", "1");
      viaServer.await(l -> events(l).size() >= 1);
      viaEtcd.await(l -> events(l).size() >= 1);

      auth.revokePrefix("carol", "shared/");
      List<WatchResponse> cut = viaServer.await(l -> l.stream().anyMatch(WatchResponse::getCanceled));
      WatchResponse canceled = cut.stream().filter(WatchResponse::getCanceled).findFirst().orElseThrow(
          () -> new AssertionError("the server kept serving a revoked watch: " + cut));
      assertThat(canceled.getCancelReason()).isEqualTo(WatchStream.PERMISSION_DENIED);
      assertThat(canceled.getWatchId()).isEqualTo(cut.get(0).getWatchId());

      long after = put("shared/after", "2");
      // What etcd 3.4 does (checked here, so the README's statement stays true): the open watch goes on.
      List<Event> direct = events(viaEtcd.await(l -> events(l).size() >= 2));
      assertThat(direct).extracting(e -> e.getKv().getModRevision()).contains(after);
      assertThat(events(viaServer.settle(Duration.ofSeconds(2)))).extracting(e -> e.getKv().getModRevision())
          .doesNotContain(after);
    }
  }

  private static WatchCreateRequest prefix(String p) {
    return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(p))
        .setRangeEnd(ByteString.copyFrom(EtcdAuth.prefixEnd(ByteSequence.from(p, StandardCharsets.UTF_8)).getBytes()))
        .build();
  }

  private static ByteString bs0() {
    return ByteString.copyFrom(new byte[] {0});
  }

  private static List<WatchResponse> withoutHeaders(List<WatchResponse> l) {
    return l.stream().map(r -> r.toBuilder().clearHeader().build()).toList();
  }

  private static List<Event> events(List<WatchResponse> l) {
    return l.stream().flatMap(r -> r.getEventsList().stream()).toList();
  }

  private static long put(String key, String value) throws Exception {
    try (Client root = etcd.newClient()) {
      return root.getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8),
          ByteSequence.from(value, StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS).getHeader().getRevision();
    }
  }

  private static String token(String user, String password) {
    return ServerFixture.token(toServer, user, password);
  }

  private static Channel as(ManagedChannel channel, String token) {
    return ServerFixture.withToken(channel, token);
  }
}
