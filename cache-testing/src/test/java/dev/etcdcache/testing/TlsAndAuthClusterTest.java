package dev.etcdcache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.auth.Permission;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS and auth modes of {@link EtcdCluster}: what the security tests of the library and server build on. */
class TlsAndAuthClusterTest {

  private static TestCertificates certs;

  @BeforeAll
  static void generate() {
    certs = TestCertificates.create();
  }

  @AfterAll
  static void nothing() {
    // The certificates' directory stays (under the temp dir): etcd logs may name its files.
  }

  @Test
  void tlsMember_servesClientsThatTrustTheCa_andMetricsOverPlainHttp() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("tls").tls(certs).build().start();
         Client client = etcd.newClient()) {
      assertThat(etcd.member(0).clientEndpoint().getScheme()).isEqualTo("https");
      client.getKVClient().put(bs("k"), bs("v")).get(30, TimeUnit.SECONDS);

      assertThat(client.getKVClient().get(bs("k")).get(30, TimeUnit.SECONDS).getKvs().get(0).getValue())
          .isEqualTo(bs("v"));
      assertThat(etcd.member(0).metrics().value("etcd_server_has_leader")).isEqualTo(1.0);
    }
  }

  @Test
  void tlsMember_refusesClientThatTrustsAnotherCa() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("tls-wrong-ca").tls(certs).build().start();
         Client wrong = failFast(Client.builder().endpoints(etcd.clientEndpoints())
             .sslContext(ssl -> ssl.trustManager(certs.wrongCaFile().toFile()))).build()) {
      assertThatThrownBy(() -> wrong.getKVClient().get(bs("k")).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .satisfies(e -> assertThat(Status.fromThrowable(e.getCause()).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void mutualTls_acceptsCaSignedClientCertificate_refusesExpiredAndWrongCa() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("mtls").tls(certs).clientCertAuth().build().start()) {
      try (Client ok = etcd.clientBuilder(certs.client("anyone")).build()) {
        ok.getKVClient().put(bs("k"), bs("v")).get(30, TimeUnit.SECONDS);
      }
      for (TestCertificates.Identity bad : new TestCertificates.Identity[] {
          certs.expiredClient("anyone"), certs.wrongCaClient("anyone")}) {
        try (Client refused = failFast(etcd.clientBuilder(bad)).build()) {
          assertThatThrownBy(() -> refused.getKVClient().get(bs("k")).get(30, TimeUnit.SECONDS))
              .as(bad.certFile().toString())
              .isInstanceOf(ExecutionException.class)
              .satisfies(e -> assertThat(Status.fromThrowable(e.getCause()).getCode())
                  .isEqualTo(Status.Code.UNAVAILABLE));
        }
      }
    }
  }

  @Test
  void auth_userSeesOnlyItsGrantedPrefix_wrongPasswordIsRefused() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("auth").build().start()) {
      EtcdAuth auth = etcd.enableAuth();
      auth.addUser("alice", "alice-pw");
      auth.grantPrefix("alice", Permission.Type.READ, "/a/");
      try (Client root = etcd.newClient()) {
        root.getKVClient().put(bs("/a/1"), bs("x")).get(30, TimeUnit.SECONDS);
        root.getKVClient().put(bs("/b/1"), bs("y")).get(30, TimeUnit.SECONDS);
      }
      try (Client alice = etcd.clientBuilder("alice", "alice-pw").build()) {
        assertThat(alice.getKVClient().get(bs("/a/1")).get(30, TimeUnit.SECONDS).getCount()).isEqualTo(1);
        assertDenied(() -> alice.getKVClient().get(bs("/b/1")).get(30, TimeUnit.SECONDS), Status.Code.PERMISSION_DENIED);
        assertDenied(() -> alice.getKVClient().put(bs("/a/2"), bs("z")).get(30, TimeUnit.SECONDS),
            Status.Code.PERMISSION_DENIED);
      }
      try (Client wrong = etcd.clientBuilder("alice", "not-her-password").build()) {
        // etcd: "etcdserver: authentication failed, invalid user ID or password", as jetcd reports it
        assertDenied(() -> wrong.getKVClient().get(bs("/a/1")).get(30, TimeUnit.SECONDS), Status.Code.UNAUTHENTICATED);
      }
    }
  }

  @Test
  void mutualTlsCluster_withAuth_mapsCertificateCommonNameToUser() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().name("mtls-auth").members(3).tls(certs).clientCertAuth()
        .build().start()) {
      EtcdAuth auth = etcd.enableAuth();
      auth.addUser("bob", "bob-pw");
      auth.grantPrefix("bob", Permission.Type.READWRITE, "/b/");
      try (Client bob = etcd.clientBuilder(certs.client("bob")).build()) {
        bob.getKVClient().put(bs("/b/1"), bs("x")).get(30, TimeUnit.SECONDS);
        assertDenied(() -> bob.getKVClient().get(bs("/a/1")).get(30, TimeUnit.SECONDS), Status.Code.PERMISSION_DENIED);
      }
      etcd.compact(1); // the cluster's own client logs in as root over mutual TLS
    }
  }

  private static void assertDenied(ThrowingCall call, Status.Code code) {
    assertThatThrownBy(call::run).isInstanceOf(ExecutionException.class)
        .satisfies(e -> assertThat(Status.fromThrowable(e.getCause()).getCode()).as(e.getCause().toString())
            .isEqualTo(code));
  }

  private interface ThrowingCall {
    void run() throws Exception;
  }

  /**
   * A refused handshake leaves the channel in transient failure; by default jetcd's calls wait for
   * it to become ready (forever). Without waiting they fail with UNAVAILABLE, which is what a
   * caller sees.
   */
  private static ClientBuilder failFast(ClientBuilder b) {
    return b.waitForReady(false).retryMaxDuration(Duration.ofSeconds(3)).retryMaxAttempts(2).retryDelay(100)
        .retryMaxDelay(500);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
