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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * etcdctl with {@code --cacert --cert --key} and {@code --user} through a mutual-TLS cache-server
 * gets what plain etcdctl with the same user gets from etcd (output, exit code, error); without a
 * client certificate it gets nothing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EtcdctlTlsTest {

  @Test
  void etcdctlWithCertificatesAndUser_throughTlsServer_answersAsEtcd_withoutCertificateRefused() throws Exception {
    TestCertificates certs = TestCertificates.create();
    try (EtcdCluster etcd = EtcdCluster.builder().name("etcdctl-tls").build().start()) {
      try (Client root = etcd.newClient()) {
        root.getKVClient().put(bs("pub/a"), bs("1")).get(30, TimeUnit.SECONDS);
        root.getKVClient().put(bs("secret/a"), bs("2")).get(30, TimeUnit.SECONDS);
      }
      try (CacheServer server = CacheServer.start(ServerConfig.defaults().withEndpoints(etcd.clientEndpoints())
          .withListen("127.0.0.1", 0)
          .withServerTls(certs.server().certFile(), certs.server().keyFile(), certs.caFile()))) {
        server.ready().orTimeout(60, TimeUnit.SECONDS).join();
        EtcdAuth auth = etcd.enableAuth();
        auth.addUser("alice", "alice-pw");
        auth.grantPrefix("alice", Permission.Type.READ, "pub/");
        Thread.sleep(3_000); // more than the server's auth probe interval; not an assertion

        TestCertificates.Identity client = certs.client("alice");
        List<String> tls = List.of("--endpoints=" + server.clientUrl(), "--cacert=" + certs.caFile(),
            "--cert=" + client.certFile(), "--key=" + client.keyFile());
        List<String> direct = List.of("--endpoints=" + etcd.clientEndpoints().get(0));
        for (List<String> args : List.of(
            List.of("--user=alice:alice-pw", "get", "pub/a", "-w", "json"),
            List.of("--user=alice:alice-pw", "get", "pub/", "--prefix", "-w", "json"),
            List.of("--user=alice:alice-pw", "get", "secret/a", "-w", "json"),
            List.of("--user=alice:wrong", "get", "pub/a"),
            List.of("get", "pub/a"))) {
          assertThat(outcome(tls, args)).as(String.join(" ", args)).isEqualTo(outcome(direct, args));
        }
        assertThat(outcome(tls, List.of("--user=alice:alice-pw", "get", "pub/a"))).contains("exit 0", "pub/a");

        List<String> noCertificate = List.of("--endpoints=" + server.clientUrl(), "--cacert=" + certs.caFile(),
            "--dial-timeout=3s", "--command-timeout=5s");
        String refused = outcome(noCertificate, List.of("--user=alice:alice-pw", "get", "pub/a"));
        assertThat(refused).doesNotContain("exit 0").doesNotContain("\n1\n");
      }
    }
  }

  private static String outcome(List<String> connection, List<String> args) {
    return Etcdctl.outcome(connection, args, l -> l.startsWith("Error:"));
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
