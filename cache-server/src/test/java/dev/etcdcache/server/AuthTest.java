package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleAddRequest;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.AuthUserAddRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.Permission;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With etcd auth enabled, the cache answers nobody etcd would refuse: a token is relayed to etcd
 * with the caller's call, and calls without one get etcd's own refusal.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AuthTest {

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  private static ServerFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new ServerFixture(etcd);
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(fixture.toEtcd);
    kv.put(PutRequest.newBuilder().setKey(bytes("pub/a")).setValue(bytes("1")).build());
    kv.put(PutRequest.newBuilder().setKey(bytes("secret/a")).setValue(bytes("2")).build());
    AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(fixture.toServer);
    auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
    auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
    auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
    auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("pub-reader").build());
    auth.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("pub-reader")
        .setPerm(Permission.newBuilder().setPermType(Permission.Type.READ).setKey(bytes("pub/")).setRangeEnd(bytes("pub0")))
        .build());
    auth.userAdd(AuthUserAddRequest.newBuilder().setName("reader").setPassword("readerpw").build());
    auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("reader").setRole("pub-reader").build());
    auth.authEnable(AuthEnableRequest.getDefaultInstance());
    ServerFixture.pause(Duration.ofSeconds(3)); // more than the server's auth probe interval
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void range_withoutToken_refusedAsEtcd() {
    RangeRequest r = RangeRequest.newBuilder().setKey(bytes("pub/a")).build();
    assertThat(answer(KVGrpc.newBlockingStub(fixture.toServer), r))
        .isEqualTo(answer(KVGrpc.newBlockingStub(fixture.toEtcd), r))
        .asString().contains("user name is empty");
  }

  @Test
  void range_withToken_etcdChecksTheCallersPermissions() {
    String token = AuthGrpc.newBlockingStub(fixture.toServer)
        .authenticate(AuthenticateRequest.newBuilder().setName("reader").setPassword("readerpw").build()).getToken();
    Metadata md = new Metadata();
    md.put(TokenRelay.TOKEN, token);
    KVGrpc.KVBlockingStub server = KVGrpc.newBlockingStub(fixture.toServer)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    KVGrpc.KVBlockingStub direct = KVGrpc.newBlockingStub(fixture.toEtcd)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    RangeRequest allowed = RangeRequest.newBuilder().setKey(bytes("pub/a")).build();
    RangeRequest denied = RangeRequest.newBuilder().setKey(bytes("secret/a")).build();
    assertThat(answer(server, allowed)).isEqualTo(answer(direct, allowed)).isInstanceOf(RangeResponse.class);
    assertThat(answer(server, denied)).isEqualTo(answer(direct, denied)).asString().contains("permission denied");
  }

  @Test
  void watch_withToken_etcdChecksTheCallersPermissions() throws Exception {
    String token = AuthGrpc.newBlockingStub(fixture.toServer)
        .authenticate(AuthenticateRequest.newBuilder().setName("reader").setPassword("readerpw").build()).getToken();
    Metadata md = new Metadata();
    md.put(TokenRelay.TOKEN, token);
    ClientInterceptor withToken = MetadataUtils.newAttachHeadersInterceptor(md);
    try (RecordedStream server = new RecordedStream(ClientInterceptors.intercept(fixture.toServer, withToken));
        RecordedStream direct = new RecordedStream(ClientInterceptors.intercept(fixture.toEtcd, withToken))) {
      for (RecordedStream s : List.of(server, direct)) {
        s.create(WatchCreateRequest.newBuilder().setKey(bytes("pub/a")).build());
        s.create(WatchCreateRequest.newBuilder().setKey(bytes("secret/a")).build());
      }
      List<WatchResponse> expected = direct.await(2);
      List<WatchResponse> actual = server.await(2);
      assertThat(actual).isEqualTo(expected);
      assertThat(actual.get(1).getCanceled()).isTrue();
    }
  }

  private static Object answer(KVGrpc.KVBlockingStub stub, RangeRequest r) {
    try {
      return stub.range(r);
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
