package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.AuthDisableRequest;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleListRequest;
import io.etcd.jetcd.api.AuthUserListRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.auth.Permission;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The negative suite: with etcd auth enabled, every RPC of the server called with no token, a
 * forged token, or the token of a user with no permission gets exactly etcd's answer — an error,
 * and never a key or value — whether the server would answer it from the cache or forward it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UnauthorizedCallersTest {

  private static final String SECRET_VALUE = "the-secret-value";

  private static EtcdCluster etcd;
  private static ServerFixture fixture;
  private static CacheServer server;
  private static ManagedChannel toServer;
  private static ManagedChannel toEtcd;
  private static Map<String, String> identities;

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdCluster.builder().name("unauthorized").build().start();
    try (Client root = etcd.newClient()) {
      root.getKVClient().put(bs("k/a"), bs(SECRET_VALUE)).get(30, TimeUnit.SECONDS);
    }
    fixture = new ServerFixture(etcd.clientEndpoints(), c -> c);
    server = fixture.server;
    toServer = fixture.toServer;
    toEtcd = fixture.toEtcd;
    EtcdAuth auth = etcd.enableAuth();
    auth.addUser("nobody", "nobody-pw"); // a role with no permission at all
    auth.addUser("other", "other-pw");
    auth.grantPrefix("other", Permission.Type.READWRITE, "other/");
    ServerFixture.pause(Duration.ofSeconds(3)); // more than the server's auth probe interval
    identities = new LinkedHashMap<>();
    identities.put("no token", null);
    identities.put("forged token", "forged.token.12345");
    identities.put("user without permission", token("nobody", "nobody-pw"));
    identities.put("user with permission elsewhere", token("other", "other-pw"));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
    etcd.close();
  }

  @Test
  void everyUnaryRpc_answersAsEtcd_withAnErrorAndNoData() {
    Map<String, Function<Channel, Message>> calls = new LinkedHashMap<>();
    ByteString key = ByteString.copyFromUtf8("k/a");
    calls.put("Range", c -> KVGrpc.newBlockingStub(c).range(RangeRequest.newBuilder().setKey(key).build()));
    calls.put("Range serializable", c -> KVGrpc.newBlockingStub(c).range(
        RangeRequest.newBuilder().setKey(key).setSerializable(true).build()));
    calls.put("Range all keys", c -> KVGrpc.newBlockingStub(c).range(RangeRequest.newBuilder()
        .setKey(ByteString.copyFrom(new byte[] {0})).setRangeEnd(ByteString.copyFrom(new byte[] {0}))
        .setSerializable(true).build()));
    calls.put("Put", c -> KVGrpc.newBlockingStub(c).put(PutRequest.newBuilder().setKey(key)
        .setValue(ByteString.copyFromUtf8("x")).setPrevKv(true).build()));
    calls.put("DeleteRange", c -> KVGrpc.newBlockingStub(c).deleteRange(DeleteRangeRequest.newBuilder().setKey(key)
        .setPrevKv(true).build()));
    calls.put("Txn", c -> KVGrpc.newBlockingStub(c).txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VERSION)
            .setResult(Compare.CompareResult.GREATER).setVersion(0))
        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key))).build()));
    // (Compact is left out: etcd 3.4 compacts for any caller, token or not, and it returns no data;
    // a second identical call then differs only by "already compacted".)
    // (LeaseGrant is left out: etcd grants leases to any authenticated user, and a lease holds no data.)
    calls.put("LeaseTimeToLive", c -> LeaseGrpc.newBlockingStub(c).leaseTimeToLive(
        LeaseTimeToLiveRequest.newBuilder().setID(1).setKeys(true).build()));
    calls.put("UserList", c -> AuthGrpc.newBlockingStub(c).userList(AuthUserListRequest.getDefaultInstance()));
    calls.put("RoleList", c -> AuthGrpc.newBlockingStub(c).roleList(AuthRoleListRequest.getDefaultInstance()));
    calls.put("AuthDisable", c -> AuthGrpc.newBlockingStub(c).authDisable(AuthDisableRequest.getDefaultInstance()));

    List<String> checked = new ArrayList<>();
    for (Map.Entry<String, String> id : identities.entrySet()) {
      for (Map.Entry<String, Function<Channel, Message>> call : calls.entrySet()) {
        String what = call.getKey() + " with " + id.getKey();
        Object fromServer = answer(call.getValue(), withToken(toServer, id.getValue()));
        Object fromEtcd = answer(call.getValue(), withToken(toEtcd, id.getValue()));
        assertThat(fromServer).as(what).isEqualTo(fromEtcd);
        if (!call.getKey().equals("LeaseTimeToLive")) {
          // (etcd answers LeaseTimeToLive of a missing lease to anyone, with TTL -1 and no keys.)
          assertThat(fromServer).as(what).isInstanceOf(String.class);
        }
        assertThat(fromServer.toString()).as(what).doesNotContain(SECRET_VALUE).doesNotContain("k/a");
        checked.add(what);
      }
    }
    assertThat(checked).hasSize(identities.size() * calls.size());
  }

  @Test
  void watch_answersAsEtcd_andDeliversNoEvent() throws Exception {
    for (Map.Entry<String, String> id : identities.entrySet()) {
      try (RecordedStream viaServer = new RecordedStream(withToken(toServer, id.getValue()));
           RecordedStream direct = new RecordedStream(withToken(toEtcd, id.getValue()))) {
        for (RecordedStream s : List.of(viaServer, direct)) {
          s.create(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/")).setRangeEnd(
              ByteString.copyFromUtf8("k0")).setStartRevision(1).build());
        }
        List<WatchResponse> expected = direct.await(1);
        List<WatchResponse> actual = viaServer.await(1);
        assertThat(actual).as(id.getKey()).isEqualTo(expected);
        assertThat(String.valueOf(viaServer.error())).as(id.getKey())
            .isEqualTo(String.valueOf(direct.error()));
        for (WatchResponse r : actual) {
          assertThat(r.getEventsList()).as(id.getKey()).isEmpty();
        }
      }
    }
  }

  private static Object answer(Function<Channel, Message> call, Channel channel) {
    try {
      return call.apply(channel);
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  private static Channel withToken(ManagedChannel channel, String token) {
    return ServerFixture.withToken(channel, token);
  }

  private static String token(String user, String password) {
    return ServerFixture.token(toServer, user, password);
  }

  private static io.etcd.jetcd.ByteSequence bs(String s) {
    return io.etcd.jetcd.ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
