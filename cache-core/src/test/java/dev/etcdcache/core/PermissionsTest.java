package dev.etcdcache.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cache over credentials that may read only part of etcd: it serves what they may read from
 * memory, refuses nothing etcd would answer, answers nothing etcd would refuse, and stops serving
 * from memory when etcd stops serving it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PermissionsTest {

  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  @Test
  void readOnPrefixOnly_prefixMirror_isReadyAndServesSerializableReadsWithoutAnyRangeToEtcd() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("perm-prefix").build().start()) {
      EtcdAuth auth = aliceReadsA(etcd);
      try (Client alice = etcd.clientBuilder("alice", "alice-pw").build();
           CachingClient cache = CachingClient.builder(alice).prefixes(bytes("/a/")).build()) {
        assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
        CachingKV kv = cache.getKVClient();

        // Linearizable (the default): its revision probe stays inside /a/, so etcd lets it through.
        assertThat(value(kv.get(bytes("/a/1")))).isEqualTo("x");
        double ranges = ranges(etcd);
        for (int i = 0; i < 5; i++) {
          assertThat(value(kv.get(bytes("/a/1"), SERIALIZABLE))).isEqualTo("x");
        }
        assertThat(ranges(etcd)).isEqualTo(ranges);
        // Outside the mirror: passed through, and etcd's own refusal comes back.
        assertDenied(kv.get(bytes("/b/1")), Status.Code.PERMISSION_DENIED);
        assertDenied(alice.getKVClient().get(bytes("/b/1")), Status.Code.PERMISSION_DENIED);
        assertThat(auth).isNotNull();
      }
    }
  }

  @Test
  void wholeKeyspaceMirror_withoutPermission_isNotReady_reportsEtcdsError_passesReadsThrough_thenReadyOnGrant()
      throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("perm-all").build().start()) {
      EtcdAuth auth = aliceReadsA(etcd);
      try (Client alice = etcd.clientBuilder("alice", "alice-pw").build();
           CachingClient cache = CachingClient.builder(alice).build()) {
        // It can never become ready without read on the whole keyspace; this only waits for a failed list.
        awaitError(cache);
        assertThat(cache.status().ready()).isFalse();
        assertThat(cache.status().lastError().orElseThrow()).contains("PERMISSION_DENIED");

        CachingKV kv = cache.getKVClient();
        assertThat(value(kv.get(bytes("/a/1")))).isEqualTo("x");
        assertDenied(kv.get(bytes("/b/1")), Status.Code.PERMISSION_DENIED);

        // Permission over the whole keyspace: the root role (etcd 3.4 matches an open-ended
        // request range only against it).
        try (Client root = etcd.newClient()) {
          root.getAuthClient().userGrantRole(bytes("alice"), bytes(EtcdAuth.ROOT)).get(30, TimeUnit.SECONDS);
        }
        assertThat(cache.awaitReady(Duration.ofSeconds(120))).isTrue();
        assertThat(value(kv.get(bytes("/b/1"), SERIALIZABLE))).isEqualTo("y");
      }
    }
  }

  @Test
  void revokedPermission_linearizableReadGetsEtcdsErrorAtOnce_serializableReadsStopAfterTheDenial_regrantServesAgain()
      throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("perm-revoke").build().start()) {
      EtcdAuth auth = aliceReadsA(etcd);
      try (Client alice = etcd.clientBuilder("alice", "alice-pw").build();
           CachingClient cache = CachingClient.builder(alice).prefixes(bytes("/a/")).build()) {
        assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
        CachingKV kv = cache.getKVClient();
        assertThat(value(kv.get(bytes("/a/1"), SERIALIZABLE))).isEqualTo("x");

        auth.revokePrefix("alice", "/a/");

        assertDenied(kv.get(bytes("/a/1")), Status.Code.PERMISSION_DENIED);
        // The denied probe stopped the mirror serving: serializable reads now go to etcd too.
        awaitDenied(() -> kv.get(bytes("/a/1"), SERIALIZABLE));
        assertDenied(kv.get(bytes("/a/1"), SERIALIZABLE), Status.Code.PERMISSION_DENIED);
        assertThat(cache.status().lastError().orElseThrow()).contains("PERMISSION_DENIED");

        auth.grantPrefix("alice", Permission.Type.READ, "/a/");
        awaitValue(() -> kv.get(bytes("/a/1"), SERIALIZABLE), "x");
        assertThat(value(kv.get(bytes("/a/1")))).isEqualTo("x");
      }
    }
  }

  @Test
  void expiringTokens_cacheKeepsServingAndFollowingWrites() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("perm-ttl").etcdArgs("--auth-token-ttl=1").build().start()) {
      aliceReadsA(etcd);
      try (Client alice = etcd.clientBuilder("alice", "alice-pw").build();
           Client root = etcd.newClient();
           CachingClient cache = CachingClient.builder(alice).prefixes(bytes("/a/")).build()) {
        assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
        CachingKV kv = cache.getKVClient();
        for (int i = 0; i < 3; i++) {
          Thread.sleep(2_500); // past the token's TTL: etcd forgets it, jetcd must authenticate again
          root.getKVClient().put(bytes("/a/1"), bytes("v" + i)).get(30, TimeUnit.SECONDS);
          assertThat(value(kv.get(bytes("/a/1")))).isEqualTo("v" + i);
        }
      }
    }
  }

  @Test
  void expiringJwtTokens_cacheKeepsServingAndFollowingWrites() throws Exception {
    TestCertificates certs = TestCertificates.create();
    try (EtcdCluster etcd = EtcdCluster.builder().name("perm-jwt")
        .etcdArgs(certs.jwtAuthTokenFlag(Duration.ofSeconds(2))).build().start()) {
      aliceReadsA(etcd);
      try (Client alice = etcd.clientBuilder("alice", "alice-pw").build();
           Client root = etcd.newClient();
           CachingClient cache = CachingClient.builder(alice).prefixes(bytes("/a/")).build()) {
        assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
        CachingKV kv = cache.getKVClient();
        for (int i = 0; i < 3; i++) {
          Thread.sleep(3_000); // past the jwt's expiry: etcd refuses it, jetcd must authenticate again
          root.getKVClient().put(bytes("/a/1"), bytes("v" + i)).get(30, TimeUnit.SECONDS);
          assertThat(value(kv.get(bytes("/a/1")))).isEqualTo("v" + i);
          assertThat(value(kv.get(bytes("/a/1"), SERIALIZABLE))).isIn("v" + i, i == 0 ? "x" : "v" + (i - 1));
        }
        assertDenied(kv.get(bytes("/b/1")), Status.Code.PERMISSION_DENIED);
      }
    }
  }

  @Test
  void mutualTls_certificateUserWithPrefixRead_getsAWorkingCache() throws Exception {
    TestCertificates certs = TestCertificates.create();
    try (EtcdCluster etcd = EtcdCluster.builder().name("perm-mtls").tls(certs).clientCertAuth().build().start()) {
      aliceReadsA(etcd);
      try (Client alice = etcd.clientBuilder(certs.client("alice")).build();
           CachingClient cache = CachingClient.builder(alice).prefixes(bytes("/a/")).build()) {
        assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
        assertThat(value(cache.getKVClient().get(bytes("/a/1")))).isEqualTo("x");
        assertThat(value(cache.getKVClient().get(bytes("/a/1"), SERIALIZABLE))).isEqualTo("x");
        assertDenied(cache.getKVClient().get(bytes("/b/1")), Status.Code.PERMISSION_DENIED);
      }
    }
  }

  @Test
  void serverVerifiedTls_withoutAuth_wholeKeyspaceMirrorWorks() throws Exception {
    TestCertificates certs = TestCertificates.create();
    try (EtcdCluster etcd = EtcdCluster.builder().name("perm-tls").tls(certs).build().start();
         Client client = etcd.newClient();
         CachingClient cache = CachingClient.builder(client).build()) {
      client.getKVClient().put(bytes("k"), bytes("v")).get(30, TimeUnit.SECONDS);
      assertThat(cache.awaitReady(Duration.ofSeconds(60))).isTrue();
      assertThat(value(cache.getKVClient().get(bytes("k")))).isEqualTo("v");
    }
  }

  /** Enables auth; alice (password alice-pw) may read /a/; /a/1 = x and /b/1 = y. */
  private static EtcdAuth aliceReadsA(EtcdCluster etcd) throws Exception {
    try (Client root = etcd.newClient()) {
      root.getKVClient().put(bytes("/a/1"), bytes("x")).get(30, TimeUnit.SECONDS);
      root.getKVClient().put(bytes("/b/1"), bytes("y")).get(30, TimeUnit.SECONDS);
    }
    EtcdAuth auth = etcd.enableAuth();
    auth.addUser("alice", "alice-pw");
    auth.grantPrefix("alice", Permission.Type.READ, "/a/");
    return auth;
  }

  private static void awaitError(CachingClient cache) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (cache.status().lastError().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  private static void awaitDenied(java.util.function.Supplier<CompletableFuture<GetResponse>> read) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        read.get().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        return;
      }
      Thread.sleep(50);
    }
  }

  private static void awaitValue(java.util.function.Supplier<CompletableFuture<GetResponse>> read, String expected)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      try {
        if (expected.equals(value(read.get()))) {
          return;
        }
      } catch (ExecutionException e) {
        // still denied (jetcd may need a fresh token after the grant): try again
      }
      Thread.sleep(100);
    }
    assertThat(value(read.get())).isEqualTo(expected);
  }

  private static void assertDenied(CompletableFuture<?> call, Status.Code code) {
    assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .satisfies(e -> assertThat(Status.fromThrowable(e.getCause()).getCode()).as(e.getCause().toString())
            .isEqualTo(code));
  }

  private static String value(CompletableFuture<GetResponse> get) throws Exception {
    GetResponse r = get.get(30, TimeUnit.SECONDS);
    return r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
  }

  private static double ranges(EtcdCluster etcd) {
    return etcd.member(0).metrics().value("grpc_server_handled_total", Map.of("grpc_method", "Range"));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
