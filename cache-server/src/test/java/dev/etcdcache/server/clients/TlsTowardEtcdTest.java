package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.server.CacheServer;
import dev.etcdcache.server.ServerConfig;
import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS from the server toward etcd (grpc-proxy's {@code --cacert}, {@code --cert}, {@code --key}):
 * behind it an etcd with TLS and client-certificate auth; etcdctl through the server (plaintext)
 * gets what etcdctl with certificates gets from etcd, with and without etcd's auth; a wrong CA, a
 * missing, expired or foreign client certificate make the start fail with the TLS error, not hang.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class TlsTowardEtcdTest {

  private static TestCertificates certs;
  private static EtcdCluster etcd;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create();
    etcd = EtcdCluster.builder().name("tls-upstream").tls(certs).clientCertAuth().build().start();
    try (Client root = etcd.newClient()) {
      root.getKVClient().put(bs("pub/a"), bs("1")).get(30, TimeUnit.SECONDS);
      root.getKVClient().put(bs("secret/a"), bs("2")).get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    etcd.close();
  }

  @Test
  void etcdctlThroughServer_toMutualTlsEtcd_answersAsEtcdWithCertificates() throws Exception {
    // The server's certificate has CN "mirror": under etcd's --client-cert-auth that is the
    // mirror's etcd user once auth is on (it needs read on the keyspace only).
    TestCertificates.Identity mine = certs.client("mirror");
    URI endpoint = etcd.clientEndpoints().get(0);
    try (CacheServer server = CacheServer.start("--endpoints=" + endpoint.getHost() + ":" + endpoint.getPort(),
        "--listen-addr=127.0.0.1:0", "--cacert=" + certs.caFile(), "--cert=" + mine.certFile(),
        "--key=" + mine.keyFile())) {
      server.ready().orTimeout(60, TimeUnit.SECONDS).join();
      assertThat(server.config().endpoints()).allSatisfy(e -> assertThat(e.getScheme()).isEqualTo("https"));
      TestCertificates.Identity direct = certs.client("root");
      List<String> toServer = List.of("--endpoints=" + server.clientUrl());
      List<String> toEtcd = List.of("--endpoints=" + endpoint, "--cacert=" + certs.caFile(),
          "--cert=" + direct.certFile(), "--key=" + direct.keyFile());
      outcome(toServer, List.of("put", "pub/b", "2"));
      for (List<String> args : List.of(
          List.of("get", "pub/a", "-w", "json"),
          List.of("get", "pub/", "--prefix", "-w", "json"),
          List.of("get", "", "--from-key", "--keys-only"),
          List.of("get", "pub/b", "--consistency=s"))) {
        assertThat(outcome(toServer, args)).as(String.join(" ", args)).isEqualTo(outcome(toEtcd, args))
            .startsWith("exit 0");
      }

      EtcdAuth auth = etcd.enableAuth();
      auth.addUser("mirror", "unused-pw");
      auth.grantRange("mirror", Permission.Type.READ, ByteSequence.from(new byte[] {0}),
          ByteSequence.from(new byte[] {0}));
      auth.addUser("alice", "alice-pw");
      auth.grantPrefix("alice", Permission.Type.READ, "pub/");
      Thread.sleep(3_000); // more than the server's auth probe interval; not an assertion
      for (List<String> args : List.of(
          List.of("--user=alice:alice-pw", "get", "pub/a", "-w", "json"),
          List.of("--user=alice:alice-pw", "get", "pub/", "--prefix", "--consistency=s", "-w", "json"),
          List.of("--user=alice:alice-pw", "get", "secret/a"),
          List.of("--user=alice:wrong", "get", "pub/a"),
          List.of("--user=alice:alice-pw", "put", "pub/c", "3"))) {
        assertThat(outcome(toServer, args)).as(String.join(" ", args)).isEqualTo(outcome(toEtcd, args));
      }
      assertThat(outcome(toServer, List.of("--user=alice:alice-pw", "get", "pub/a"))).contains("exit 0", "pub/a");
    }
  }

  @Test
  void wrongCaOrUnusableClientCertificate_failTheStartWithTheTlsError() {
    TestCertificates.Identity good = certs.client("mirror");
    List<ServerConfig> refused = List.of(
        tls(certs.wrongCaFile(), good),
        tls(certs.caFile(), null),
        tls(certs.caFile(), certs.expiredClient("mirror")),
        tls(certs.caFile(), certs.wrongCaClient("mirror")));
    for (ServerConfig config : refused) {
      long started = System.nanoTime();
      assertThatThrownBy(() -> CacheServer.start(config).close()).as(config.toString())
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("TLS handshake with etcd at " + config.endpoints().get(0));
      // A hang guard, not a speed claim: the start must not wait for a handshake for ever.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
    }
  }

  private static ServerConfig tls(java.nio.file.Path ca, TestCertificates.Identity identity) {
    return ServerConfig.defaults().withEndpoints(etcd.clientEndpoints()).withListen("127.0.0.1", 0)
        .withEtcdTls(ca, identity == null ? null : identity.certFile(), identity == null ? null : identity.keyFile(),
            false);
  }

  private static String outcome(List<String> connection, List<String> args) {
    return Etcdctl.outcome(connection, args, l -> l.startsWith("Error:"));
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
