package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.testing.EtcdExtension;
import dev.etcdcache.testing.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.Status;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TLS toward clients ({@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file}): a client
 * that verifies the server gets the same answers as over plaintext; with a trusted CA only clients
 * presenting a certificate it signed get any answer.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServerTlsTest {

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  private static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.create();
    try (Client direct = Client.builder().endpoints(etcd.endpoints().toArray(URI[]::new)).build()) {
      direct.getKVClient().put(bs("tls/a"), bs("1")).get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void serverTls_clientVerifyingTheServer_readsAndWritesThroughIt_othersGetNoAnswer() throws Exception {
    try (CacheServer server = start(null)) {
      assertThat(server.clientUrl()).startsWith("https://");
      try (Client client = client(server, certs.caFile().toFile(), null).build()) {
        client.getKVClient().put(bs("tls/b"), bs("2")).get(30, TimeUnit.SECONDS);
        assertThat(client.getKVClient().get(bs("tls/a")).get(30, TimeUnit.SECONDS).getKvs().get(0).getValue())
            .isEqualTo(bs("1"));
      }
      try (Client wrongCa = failFast(client(server, certs.wrongCaFile().toFile(), null)).build()) {
        assertUnavailable(wrongCa);
      }
      try (Client plaintext = failFast(Client.builder().endpoints("http://127.0.0.1:" + server.port())).build()) {
        assertUnavailable(plaintext);
      }
    }
  }

  @Test
  void mutualTls_onlyClientsWithACertificateFromTheTrustedCaGetAnswers() throws Exception {
    try (CacheServer server = start(certs.caFile())) {
      try (Client client = client(server, certs.caFile().toFile(), certs.client("app")).build()) {
        assertThat(client.getKVClient().get(bs("tls/a")).get(30, TimeUnit.SECONDS).getKvs()).hasSize(1);
      }
      for (TestCertificates.Identity bad : new TestCertificates.Identity[] {
          null, certs.expiredClient("app"), certs.wrongCaClient("app")}) {
        try (Client refused = failFast(client(server, certs.caFile().toFile(), bad)).build()) {
          assertUnavailable(refused);
        }
      }
    }
  }

  private static CacheServer start(java.nio.file.Path trustedCa) {
    CacheServer server = CacheServer.start(ServerConfig.defaults().withEndpoints(etcd.endpoints())
        .withListen("127.0.0.1", 0)
        .withServerTls(certs.server().certFile(), certs.server().keyFile(), trustedCa));
    server.ready().orTimeout(60, TimeUnit.SECONDS).join();
    return server;
  }

  private static ClientBuilder client(CacheServer server, File trust, TestCertificates.Identity identity)
      throws Exception {
    return Client.builder().endpoints(server.clientUrl()).sslContext(ssl -> {
      ssl.trustManager(trust);
      if (identity != null) {
        ssl.keyManager(identity.certFile().toFile(), identity.keyFile().toFile());
      }
    });
  }

  /** A refused handshake: calls fail with UNAVAILABLE instead of waiting for a channel that never gets ready. */
  private static ClientBuilder failFast(ClientBuilder b) {
    return b.waitForReady(false).retryMaxDuration(Duration.ofSeconds(3)).retryMaxAttempts(2).retryDelay(100)
        .retryMaxDelay(500);
  }

  private static void assertUnavailable(Client client) {
    assertThatThrownBy(() -> client.getKVClient().get(bs("tls/a")).get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .satisfies(e -> assertThat(Status.fromThrowable(e.getCause()).getCode()).as(e.getCause().toString())
            .isEqualTo(Status.Code.UNAVAILABLE));
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
