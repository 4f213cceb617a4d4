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

  @Test
  void rotatedCertificateKeyAndCaFiles_newConnectionsUseThemWithoutRestart() throws Exception {
    TestCertificates next = TestCertificates.create(); // another CA, its server and client certificates
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("rotating-certs-");
    java.nio.file.Path cert = dir.resolve("server.pem");
    java.nio.file.Path key = dir.resolve("server-key.pem");
    java.nio.file.Path ca = dir.resolve("ca.pem");
    install(certs.server().certFile(), cert);
    install(certs.server().keyFile(), key);
    install(certs.caFile(), ca);
    try (CacheServer server = CacheServer.start(ServerConfig.defaults().withEndpoints(etcd.endpoints())
        .withListen("127.0.0.1", 0).withServerTls(cert, key, ca))) {
      server.ready().orTimeout(60, TimeUnit.SECONDS).join();
      assertThat(answers(server, certs.caFile(), certs.client("app"))).isTrue();
      assertThat(answers(server, next.caFile(), next.client("app"))).isFalse();

      install(next.server().keyFile(), key);
      install(next.server().certFile(), cert);
      install(next.caFile(), ca);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // hang guard, not a speed claim
      boolean rotated = false;
      while (!rotated && System.nanoTime() < deadline) {
        rotated = answers(server, next.caFile(), next.client("app"));
        if (!rotated) {
          Thread.sleep(200);
        }
      }
      assertThat(rotated).as("a client of the new CA is served after the files changed").isTrue();
      assertThat(answers(server, certs.caFile(), certs.client("app")))
          .as("a client that trusts only the old CA, with a certificate of the old CA").isFalse();
    }
  }

  /** Copies {@code from} over {@code to} by renaming a complete file into place, as an operator should. */
  private static void install(java.nio.file.Path from, java.nio.file.Path to) throws java.io.IOException {
    java.nio.file.Path tmp = to.resolveSibling(to.getFileName() + ".new");
    java.nio.file.Files.copy(from, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.nio.file.Files.move(tmp, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Whether a fresh client trusting {@code trust} and presenting {@code identity} gets an answer. */
  private static boolean answers(CacheServer server, java.nio.file.Path trust, TestCertificates.Identity identity)
      throws Exception {
    try (Client c = failFast(client(server, trust.toFile(), identity)).build()) {
      c.getKVClient().get(bs("tls/a")).get(30, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException e) {
      return false;
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
