package dev.etcdcache.server.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.server.CacheServer;
import dev.etcdcache.server.ServerConfig;
import dev.etcdcache.testing.EtcdAuth;
import dev.etcdcache.testing.EtcdCluster;
import dev.etcdcache.testing.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A caller with a client certificate and no token, through a mutual-TLS server in front of an etcd
 * with {@code --client-cert-auth} and auth on: etcd would take the certificate's CN as its user, but
 * the server's own connections carry the server's certificate, so the server refuses such calls
 * itself (etcd's "user name is empty"; each watch create etcd's permission-denied cancel) and never
 * lends a caller its own etcd user, not even a caller whose CN is the server's. Callers with a
 * token (etcdctl {@code --user}) get etcd's answers as usual.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CertificateOnlyCallersTest {

  @Test
  void certificateOnlyCallers_getNoData_tokenCallersGetEtcdsAnswers() throws Exception {
    TestCertificates certs = TestCertificates.create();
    try (EtcdCluster etcd = EtcdCluster.builder().name("cert-only").tls(certs).clientCertAuth().build().start()) {
      try (Client root = etcd.newClient()) {
        root.getKVClient().put(bs("pub/a"), bs("public-value")).get(30, TimeUnit.SECONDS);
        root.getKVClient().put(bs("secret/a"), bs("secret-value")).get(30, TimeUnit.SECONDS);
      }
      EtcdAuth auth = etcd.enableAuth();
      auth.addUser("mirror", "unused-pw");
      auth.grantRange("mirror", Permission.Type.READ, ByteSequence.from(new byte[] {0}),
          ByteSequence.from(new byte[] {0}));
      auth.addUser("alice", "alice-pw");
      auth.grantPrefix("alice", Permission.Type.READ, "pub/");
      TestCertificates.Identity mine = certs.client("mirror");
      try (CacheServer server = CacheServer.start(ServerConfig.defaults().withEndpoints(etcd.clientEndpoints())
          .withListen("127.0.0.1", 0)
          .withServerTls(certs.server().certFile(), certs.server().keyFile(), certs.caFile())
          .withEtcdTls(certs.caFile(), mine.certFile(), mine.keyFile(), false))) {
        server.ready().orTimeout(60, TimeUnit.SECONDS).join();
        List<String> direct = List.of("--endpoints=" + etcd.clientEndpoints().get(0));
        for (String cn : List.of("alice", "mirror", "nobody")) {
          List<String> viaServer = connection(server.clientUrl(), certs, certs.client(cn));
          for (List<String> args : List.of(List.of("get", "pub/a"), List.of("get", "secret/a"),
              List.of("get", "", "--from-key"), List.of("get", "pub/a", "--consistency=s"))) {
            String got = outcome(viaServer, args);
            assertThat(got).as(cn + " " + args).doesNotStartWith("exit 0").doesNotContain("value")
                .contains("etcdserver: user name is empty");
          }
          // A watch: each create refused as etcd refuses a CN that is no user (permission denied).
          List<String> watch = List.of("watch", "pub/", "--prefix");
          String refused = outcome(viaServer, watch);
          assertThat(refused).as(cn + " watch").isEqualTo(
              outcome(connectionTo(direct, certs, certs.client("nobody")), watch)).contains("permission denied");
        }
        // With a token the certificate does not matter: etcd's answers, from the cache where allowed.
        List<String> viaServer = connection(server.clientUrl(), certs, certs.client("nobody"));
        List<String> toEtcd = connectionTo(direct, certs, certs.client("nobody"));
        for (List<String> args : List.of(
            List.of("--user=alice:alice-pw", "get", "pub/a", "-w", "json"),
            List.of("--user=alice:alice-pw", "get", "secret/a"))) {
          assertThat(outcome(viaServer, args)).as(String.join(" ", args)).isEqualTo(outcome(toEtcd, args));
        }
        assertThat(outcome(viaServer, List.of("--user=alice:alice-pw", "get", "pub/a"))).contains("public-value");
      }
    }
  }

  private static List<String> connection(String url, TestCertificates certs, TestCertificates.Identity id) {
    return connectionTo(List.of("--endpoints=" + url), certs, id);
  }

  private static List<String> connectionTo(List<String> endpoints, TestCertificates certs,
      TestCertificates.Identity id) {
    List<String> all = new ArrayList<>(endpoints);
    all.addAll(List.of("--cacert=" + certs.caFile(), "--cert=" + id.certFile(), "--key=" + id.keyFile(),
        "--command-timeout=20s"));
    return all;
  }

  private static String outcome(List<String> connection, List<String> args) {
    return Etcdctl.outcome(connection, args, l -> l.startsWith("Error:") || l.startsWith("watch was canceled"));
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
