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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With {@code --client-cert-issuer-cert}/{@code --client-cert-issuer-key} (an intermediate CA
 * under the CA etcd trusts), a caller with a client certificate and no token reaches etcd as its
 * certificate's CN, as it would connecting to etcd directly under {@code --client-cert-auth}:
 * {@code etcdctl --cacert --cert --key} (no {@code --user}) through the mutual-TLS server prints
 * exactly what the same command prints against etcd, for reads, writes, txns and watches inside and
 * outside the CN's grants, and for a CN that is no etcd user; the CN's permitted serializable reads
 * are answered from memory (etcd counts no Range for them).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CertificateCnAsEtcdUserTest {

  private static final Duration WATCH_WAIT = Duration.ofSeconds(60);

  @Test
  void certificateOnlyCallers_getExactlyEtcdsAnswersForTheirCn_fromMemoryWhereAllowed() throws Exception {
    TestCertificates certs = TestCertificates.create();
    TestCertificates.Identity issuer = certs.intermediateCa("etcd-cache client issuer");
    try (EtcdCluster etcd = EtcdCluster.builder().name("cert-cn").tls(certs).clientCertAuth().build().start()) {
      try (Client root = etcd.newClient()) {
        root.getKVClient().put(bs("pub/a"), bs("public-value")).get(30, TimeUnit.SECONDS);
        root.getKVClient().put(bs("secret/a"), bs("secret-value")).get(30, TimeUnit.SECONDS);
      }
      EtcdAuth auth = etcd.enableAuth();
      auth.addUser("mirror", "unused-pw");
      auth.grantRange("mirror", Permission.Type.READ, ByteSequence.from(new byte[] {0}),
          ByteSequence.from(new byte[] {0}));
      auth.addUser("alice", "alice-pw");
      auth.grantPrefix("alice", Permission.Type.READWRITE, "pub/");
      auth.addUser("bob", "bob-pw");
      auth.grantPrefix("bob", Permission.Type.READ, "secret/");
      TestCertificates.Identity mine = certs.client("mirror");
      try (CacheServer server = CacheServer.start(ServerConfig.defaults().withEndpoints(etcd.clientEndpoints())
          .withListen("127.0.0.1", 0)
          .withServerTls(certs.server().certFile(), certs.server().keyFile(), certs.caFile())
          .withEtcdTls(certs.caFile(), mine.certFile(), mine.keyFile(), false)
          .withClientCertIssuer(issuer.certFile(), issuer.keyFile()))) {
        server.ready().orTimeout(60, TimeUnit.SECONDS).join();
        String direct = "--endpoints=" + etcd.clientEndpoints().get(0);
        String proxied = "--endpoints=" + server.clientUrl();
        for (String cn : List.of("alice", "nobody")) {
          TestCertificates.Identity id = certs.client(cn);
          List<String> viaServer = connection(proxied, certs, id);
          List<String> toEtcd = connection(direct, certs, id);
          // Reads first (no write in between, so even -w json headers match).
          for (List<String> args : List.of(List.of("get", "pub/a", "-w", "json"), List.of("get", "pub/a"),
              List.of("get", "pub/a", "--consistency=s"), List.of("get", "pub/", "--prefix"),
              List.of("get", "secret/a"), List.of("get", "secret/a", "--consistency=s"),
              List.of("get", "", "--from-key"))) {
            assertThat(outcome(viaServer, args, "")).as(cn + " " + args).isEqualTo(outcome(toEtcd, args, ""));
          }
          // The other services, forwarded as the CN: Auth and Maintenance (root only), Lease, Cluster.
          for (List<String> args : List.of(List.of("user", "list"), List.of("alarm", "list"),
              List.of("lease", "grant", "60"), List.of("member", "list"))) {
            assertThat(withoutIds(outcome(viaServer, args, ""))).as(cn + " " + args)
                .isEqualTo(withoutIds(outcome(toEtcd, args, "")));
          }
          // A token wins over the certificate, as on etcd: bob's grants, not the CN's.
          for (List<String> args : List.of(List.of("--user=bob:bob-pw", "get", "secret/a"),
              List.of("--user=bob:bob-pw", "get", "pub/a", "--consistency=s"))) {
            assertThat(outcome(viaServer, args, "")).as(cn + " " + args).isEqualTo(outcome(toEtcd, args, ""));
          }
          assertThat(outcome(viaServer, List.of("--user=bob:bob-pw", "get", "secret/a"), "")).contains("secret-value");
          // A watch outside the grants (and any watch for a CN that is no user): etcd's cancel.
          List<String> refusedWatch = List.of("watch", "secret/", "--prefix");
          assertThat(outcome(viaServer, refusedWatch, "")).as(cn + " watch secret/")
              .isEqualTo(outcome(toEtcd, refusedWatch, "")).contains("permission denied");
          // Writes: each side its own keys, so both see the same state.
          List<String> viaServerWrites = writes(viaServer, cn + "-server");
          assertThat(viaServerWrites).as(cn + " put, put outside, txn, txn outside")
              .isEqualTo(writes(toEtcd, cn + "-etcd"));
          if (cn.equals("alice")) {
            assertThat(outcome(viaServer, List.of("get", "pub/a"), "")).contains("public-value");
            assertThat(viaServerWrites.get(0)).startsWith("exit 0").contains("OK");
            assertThat(viaServerWrites.get(1)).contains("permission denied");
            assertThat(viaServerWrites.get(2)).startsWith("exit 0").contains("SUCCESS", "public-value");
          } else {
            assertThat(outcome(viaServer, List.of("get", "pub/a"), "")).contains("permission denied")
                .doesNotContain("public-value");
          }
        }
        aliceWatch_throughServer_seesWhatEtcdShowsHer(certs, direct, proxied, etcd);
        aliceSerializableReads_areServedFromMemory(certs, proxied, etcd);
        aliceWatch_isCanceledOnceHerGrantIsRevoked(certs, proxied, etcd, auth);
      }
    }
  }

  /** A put inside and one outside alice's grant, a txn inside and one reading outside it. */
  private static List<String> writes(List<String> connection, String suffix) {
    return List.of(outcome(connection, List.of("put", "pub/" + suffix, "v"), ""),
        outcome(connection, List.of("put", "secret/" + suffix, "v"), ""),
        outcome(connection, List.of("txn"), "value(\"pub/a\") = \"public-value\"\n\nput pub/txn-" + suffix
            + " t\nget pub/a\n\n\n"),
        outcome(connection, List.of("txn"), "value(\"pub/a\") = \"public-value\"\n\nget secret/a\n\n\n"));
  }

  private static void aliceWatch_throughServer_seesWhatEtcdShowsHer(TestCertificates certs, String direct,
      String proxied, EtcdCluster etcd) throws Exception {
    TestCertificates.Identity alice = certs.client("alice");
    try (Client root = etcd.newClient()) {
      long next = root.getKVClient().get(bs("pub/a")).get(30, TimeUnit.SECONDS).getHeader().getRevision() + 1;
      // From the next revision: both see exactly the coming put, whenever their watch is established.
      List<String> args = List.of("watch", "pub/", "--prefix", "--rev=" + next);
      try (ExternalCommand viaServer = start(connection(proxied, certs, alice), args);
           ExternalCommand toEtcd = start(connection(direct, certs, alice), args)) {
        root.getKVClient().put(bs("secret/watched"), bs("hidden")).get(30, TimeUnit.SECONDS);
        root.getKVClient().put(bs("pub/watched"), bs("w")).get(30, TimeUnit.SECONDS);
        assertThat(viaServer.awaitStdout(s -> s.contains("pub/watched"), WATCH_WAIT)).isTrue();
        assertThat(toEtcd.awaitStdout(s -> s.contains("pub/watched"), WATCH_WAIT)).isTrue();
        assertThat(viaServer.stop().stdout()).isEqualTo(toEtcd.stop().stdout()).contains("PUT", "pub/watched")
            .doesNotContain("secret", "hidden");
      }
    }
  }

  private static void aliceSerializableReads_areServedFromMemory(TestCertificates certs, String proxied,
      EtcdCluster etcd) {
    List<String> viaServer = connection(proxied, certs, certs.client("alice"));
    List<String> get = List.of("get", "pub/a", "--consistency=s");
    // The permission check (a count-only Range at a future revision: not OK) is remembered for a second.
    assertThat(outcome(viaServer, get, "")).contains("public-value");
    double before = etcdRanges(etcd);
    for (int i = 0; i < 5; i++) {
      assertThat(outcome(viaServer, get, "")).contains("public-value");
    }
    assertThat(etcdRanges(etcd)).isEqualTo(before);
  }

  /** Lease and member IDs differ by construction (etcd derives lease IDs from the clock): masked. */
  private static String withoutIds(String outcome) {
    return outcome.replaceAll("\\b[0-9a-f]{14,16}\\b", "<id>");
  }

  /**
   * Stricter than etcd 3.4 (which keeps such a watch), as for token callers: the server re-checks
   * the CN's open watches and cancels one whose read was revoked.
   */
  private static void aliceWatch_isCanceledOnceHerGrantIsRevoked(TestCertificates certs, String proxied,
      EtcdCluster etcd, EtcdAuth auth) throws Exception {
    try (ExternalCommand watch = start(connection(proxied, certs, certs.client("alice")),
        List.of("watch", "pub/", "--prefix"));
         Client root = etcd.newClient()) {
      // Put until the watch shows one: then it is established, served from the cache.
      boolean seen = false;
      for (int i = 0; i < 60 && !seen; i++) {
        root.getKVClient().put(bs("pub/revoked-" + i), bs("r")).get(30, TimeUnit.SECONDS);
        seen = watch.awaitStdout(s -> s.contains("pub/revoked-"), Duration.ofSeconds(1));
      }
      assertThat(seen).as("the watch delivers before the revocation").isTrue();
      auth.revokePrefix("alice", "pub/");
      ExternalCommand.Result ended = watch.await(WATCH_WAIT);
      // clientv3 hides the reason of an established watch's cancel (WatchPermissionsTest reads it
      // on the wire: etcd's permission denied); etcdctl ends saying the server canceled it.
      assertThat(ended.exitCode()).as(ended.describe()).isNotIn(0, -1);
      assertThat(ended.stderr()).contains("watch is canceled by the server");
    }
  }

  private static double etcdRanges(EtcdCluster etcd) {
    return etcd.member(0).metrics().value("grpc_server_handled_total",
        Map.of("grpc_method", "Range", "grpc_code", "OK"));
  }

  private static List<String> connection(String endpoints, TestCertificates certs, TestCertificates.Identity id) {
    return List.of(endpoints, "--cacert=" + certs.caFile(), "--cert=" + id.certFile(), "--key=" + id.keyFile(),
        "--command-timeout=20s");
  }

  private static ExternalCommand start(List<String> connection, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(InstalledClients.etcdctl().toString());
    command.addAll(connection);
    command.addAll(args);
    return ExternalCommand.start(command, Map.of("ETCDCTL_API", "3"), null);
  }

  /** Exit code, stdout and etcdctl's error and cancel lines of one run fed {@code stdin}. */
  private static String outcome(List<String> connection, List<String> args, String stdin) {
    List<String> command = new ArrayList<>();
    command.add(InstalledClients.etcdctl().toString());
    command.addAll(connection);
    command.addAll(args);
    ExternalCommand.Result r = ExternalCommand.run(command, Map.of("ETCDCTL_API", "3"), null, stdin,
        Duration.ofSeconds(60));
    String errors = r.stderr().lines().filter(l -> l.startsWith("Error:") || l.startsWith("watch was canceled"))
        .collect(Collectors.joining("\n"));
    return "exit " + r.exitCode() + "\n" + r.stdout() + errors;
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
