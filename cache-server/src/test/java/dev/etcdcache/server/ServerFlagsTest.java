package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.api.ReadConsistency;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The grpc-proxy-compatible command line: both flag forms, defaults, and clear failures. */
class ServerFlagsTest {

  @Test
  void parse_noFlags_grpcProxyDefaults() {
    ServerConfig c = ServerConfig.parse();
    assertThat(c.endpoints()).containsExactly(URI.create("http://127.0.0.1:2379"));
    assertThat(c.listenHost()).isEqualTo("127.0.0.1");
    assertThat(c.listenPort()).isEqualTo(23790);
    assertThat(c.advertiseClientUrl()).isEmpty();
    assertThat(c.maxRecvBytes()).isEqualTo(ServerConfig.DEFAULT_MAX_RECV_BYTES);
  }

  @Test
  void parse_bothForms_sameConfig() {
    ServerConfig equals = ServerConfig.parse("--endpoints=10.0.0.1:2379,http://10.0.0.2:2379", "--listen-addr=0.0.0.0:3000",
        "--advertise-client-url=http://proxy:3000", "--metrics-addr=http://127.0.0.1:9100", "--prefix=/registry/",
        "--prefix=/cilium/", "--history-events=500", "--default-consistency=2s", "--max-send-bytes=1000",
        "--max-recv-bytes=2000");
    ServerConfig spaced = ServerConfig.parse("--endpoints", "10.0.0.1:2379,http://10.0.0.2:2379", "--listen-addr",
        "0.0.0.0:3000", "--advertise-client-url", "http://proxy:3000", "--metrics-addr", "http://127.0.0.1:9100",
        "--prefix", "/registry/", "--prefix", "/cilium/", "--history-events", "500", "--default-consistency", "2s",
        "--max-send-bytes", "1000", "--max-recv-bytes", "2000");
    assertThat(spaced).isEqualTo(equals);
    assertThat(equals.endpoints()).containsExactly(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2379"));
    assertThat(equals.listenPort()).isEqualTo(3000);
    assertThat(equals.advertiseClientUrl()).isEqualTo(Optional.of("http://proxy:3000"));
    assertThat(equals.prefixes()).isEqualTo(List.of("/registry/", "/cilium/"));
    assertThat(equals.defaultConsistency()).isEqualTo(ReadConsistency.maxStaleness(Duration.ofSeconds(2)));
    assertThat(equals.maxSendBytes()).isEqualTo(1000);
  }

  @Test
  void parse_shadowReads_aRateInZeroToOne() {
    assertThat(ServerConfig.parse().shadowReads()).isZero();
    assertThat(ServerConfig.parse("--shadow-reads=0.25").shadowReads()).isEqualTo(0.25);
    assertThat(ServerConfig.parse("--shadow-reads", "1").shadowReads()).isEqualTo(1.0);
    for (String bad : List.of("--shadow-reads=1.5", "--shadow-reads=-1", "--shadow-reads=NaN", "--shadow-reads=x")) {
      assertThatThrownBy(() -> ServerConfig.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--shadow-reads");
    }
    assertThat(ServerFlags.usage()).contains("--shadow-reads");
  }

  @Test
  void parse_memoryLimits_reachTheConfigAndRefuseBadValues() {
    ServerConfig c = ServerConfig.parse("--memory-budget=512M", "--max-entries", "100000");
    assertThat(c.memoryBudget()).isEqualTo(512L << 20);
    assertThat(c.maxEntries()).isEqualTo(100_000);
    assertThat(ServerConfig.parse("--memory-budget=1048576").memoryBudget()).isEqualTo(1 << 20);
    assertThat(ServerConfig.defaults().memoryBudget()).isZero();
    assertThat(ServerConfig.defaults().maxEntries()).isZero();
    for (String bad : List.of("--memory-budget=0", "--memory-budget=-1", "--memory-budget=lots", "--max-entries=1K",
        "--max-entries=0")) {
      assertThatThrownBy(() -> ServerConfig.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a positive number");
    }
  }

  @Test
  void parse_onDemand_prefixesOrChildrenAndWait_reachTheConfig_andRefuseWhatDoesNotGoTogether() {
    ServerConfig listed = ServerConfig.parse("--on-demand-prefix=/a/", "--on-demand-prefix", "/b/",
        "--on-demand-wait=250ms", "--memory-budget=64M");
    assertThat(listed.onDemandPrefixes()).containsExactly("/a/", "/b/");
    assertThat(listed.onDemandChildren()).isEmpty();
    assertThat(listed.onDemandWait()).contains(java.time.Duration.ofMillis(250));
    assertThat(listed.onDemand()).isTrue();
    ServerConfig children = ServerConfig.parse("--on-demand-children", "/registry/", "--on-demand-wait", "0s");
    assertThat(children.onDemandChildren()).isEqualTo("/registry/");
    assertThat(children.onDemandWait()).contains(java.time.Duration.ZERO);
    assertThat(ServerConfig.parse("--on-demand-children=/registry/").onDemandWait()).isEmpty();
    assertThat(ServerConfig.defaults().onDemand()).isFalse();
    assertThat(children.toString()).contains("onDemandChildren=/registry/");
    for (List<String> bad : List.of(List.of("--on-demand-prefix=/a/", "--prefix=/b/"),
        List.of("--on-demand-children=/r/", "--on-demand-prefix=/a/"),
        List.of("--on-demand-children=/r/", "--on-demand-children=/s/"),
        List.of("--on-demand-children="),
        List.of("--on-demand-prefix="),
        List.of("--on-demand-wait=1s"),
        List.of("--on-demand-children=/r/", "--on-demand-wait=-1s"),
        List.of("--on-demand-children=/r/", "--on-demand-wait=soon"))) {
      assertThatThrownBy(() -> ServerConfig.parse(bad.toArray(String[]::new))).as(bad.toString())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("on-demand");
    }
  }

  @Test
  void parse_unknownFlag_failsNamingIt() {
    assertThatThrownBy(() -> ServerConfig.parse("--endpoints=127.0.0.1:2379", "--no-such-flag=1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown flag: --no-such-flag");
  }

  @Test
  void parse_crlAndAutoTls_failNotSupportedYet() {
    for (String flag : List.of("--auto-tls", "--client-crl-file=x")) {
      assertThatThrownBy(() -> ServerConfig.parse(flag)).as(flag)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not supported yet");
    }
  }

  @Test
  void parse_tlsTowardEtcdFlags_makeSchemelessEndpointsHttps_asGrpcProxy() {
    ServerConfig c = ServerConfig.parse("--endpoints=127.0.0.1:2379,127.0.0.1:22379", "--cacert=ca.pem",
        "--cert=c.pem", "--key=c-key.pem");
    assertThat(c.endpoints()).extracting(java.net.URI::toString)
        .containsExactly("https://127.0.0.1:2379", "https://127.0.0.1:22379");
    assertThat(c.etcdTls()).isTrue();
    assertThat(c.etcdCaFile()).contains(java.nio.file.Path.of("ca.pem"));
    assertThat(c.etcdCertFile()).contains(java.nio.file.Path.of("c.pem"));
    assertThat(c.etcdKeyFile()).contains(java.nio.file.Path.of("c-key.pem"));
    assertThat(ServerConfig.parse("--insecure-skip-tls-verify").etcdSkipVerify()).isTrue();
    assertThat(ServerConfig.parse("--endpoints=https://127.0.0.1:2379").etcdTls()).isTrue();
    assertThat(ServerConfig.parse("--endpoints=127.0.0.1:2379").etcdTls()).isFalse();
    assertThatThrownBy(() -> ServerConfig.parse("--endpoints=http://127.0.0.1:2379", "--cacert=ca.pem"))
        .hasMessageContaining("https");
    assertThatThrownBy(() -> ServerConfig.parse("--cert=c.pem")).hasMessageContaining("--key");
    assertThatThrownBy(() -> ServerConfig.parse("--endpoints=https://127.0.0.1:2379,http://127.0.0.1:2380"))
        .hasMessageContaining("mix");
  }

  @Test
  void parse_tlsTowardClientsFlags_setCertificateKeyAndTrustedCa() {
    ServerConfig c = ServerConfig.parse("--cert-file=s.pem", "--key-file=s-key.pem", "--trusted-ca-file=ca.pem");
    assertThat(c.certFile()).contains(java.nio.file.Path.of("s.pem"));
    assertThat(c.keyFile()).contains(java.nio.file.Path.of("s-key.pem"));
    assertThat(c.trustedCaFile()).contains(java.nio.file.Path.of("ca.pem"));
    assertThat(ServerConfig.parse("--cert-file=s.pem", "--key-file=s-key.pem").trustedCaFile()).isEmpty();
    assertThatThrownBy(() -> ServerConfig.parse("--cert-file=s.pem")).hasMessageContaining("--key-file");
    assertThatThrownBy(() -> ServerConfig.parse("--trusted-ca-file=ca.pem")).hasMessageContaining("--cert-file");
  }

  @Test
  void parse_user_setsTheMirrorsCredentials_toStringHidesThePassword() {
    ServerConfig c = ServerConfig.parse("--user=cache:s3cret-pw");
    assertThat(c.user()).contains("cache");
    assertThat(c.password()).contains("s3cret-pw");
    assertThat(c.toString()).contains("cache").doesNotContain("s3cret-pw");
    assertThat(ServerConfig.parse("--user=cache", "--password=pw2").password()).contains("pw2");
    assertThatThrownBy(() -> ServerConfig.parse("--password=pw")).hasMessageContaining("--password needs --user");
  }

  @Test
  void parse_clientCertIssuer_needsTrustedCaAndTlsTowardEtcd_toStringHidesTheKeyFile() {
    ServerConfig c = ServerConfig.parse("--cert-file=s.pem", "--key-file=s-key.pem", "--trusted-ca-file=ca.pem",
        "--endpoints=127.0.0.1:2379", "--cacert=ca.pem", "--client-cert-issuer-cert=issuer.pem",
        "--client-cert-issuer-key=issuer-key.pem");
    assertThat(c.clientCertIssuerCertFile()).contains(java.nio.file.Path.of("issuer.pem"));
    assertThat(c.clientCertIssuerKeyFile()).contains(java.nio.file.Path.of("issuer-key.pem"));
    assertThat(c.toString()).contains("issuer.pem").doesNotContain("issuer-key.pem");
    assertThatThrownBy(() -> ServerConfig.parse("--cert-file=s.pem", "--key-file=s-key.pem",
        "--trusted-ca-file=ca.pem", "--cacert=ca.pem", "--client-cert-issuer-cert=issuer.pem"))
        .hasMessageContaining("--client-cert-issuer-key");
    assertThatThrownBy(() -> ServerConfig.parse("--cert-file=s.pem", "--key-file=s-key.pem", "--cacert=ca.pem",
        "--client-cert-issuer-cert=i.pem", "--client-cert-issuer-key=k.pem")).hasMessageContaining("--trusted-ca-file");
    assertThatThrownBy(() -> ServerConfig.parse("--cert-file=s.pem", "--key-file=s-key.pem",
        "--trusted-ca-file=ca.pem", "--client-cert-issuer-cert=i.pem", "--client-cert-issuer-key=k.pem"))
        .hasMessageContaining("TLS toward etcd");
  }

  @Test
  void parse_namespace_failsNotSupportedYet() {
    assertThatThrownBy(() -> ServerConfig.parse("--namespace=/tenant/"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--namespace is not supported yet");
  }

  @Test
  void parse_badValues_failNamingTheFlag() {
    assertThatThrownBy(() -> ServerConfig.parse("--max-recv-bytes=lots")).hasMessageContaining("--max-recv-bytes");
    assertThatThrownBy(() -> ServerConfig.parse("--listen-addr")).hasMessageContaining("--listen-addr needs a value");
    assertThatThrownBy(() -> ServerConfig.parse("--default-consistency=sometimes"))
        .hasMessageContaining("--default-consistency");
    assertThatThrownBy(() -> ServerConfig.parse("stray")).hasMessageContaining("unexpected argument");
  }

  @Test
  void usage_listsEveryFlag() {
    assertThat(ServerFlags.wantsHelp("--help")).isTrue();
    assertThat(ServerFlags.usage()).contains("--endpoints", "--listen-addr", "--advertise-client-url", "--metrics-addr",
        "--max-send-bytes", "--max-recv-bytes", "--prefix", "--history-events", "--default-consistency",
        "--watch-buffer-bytes", "--namespace", "--cert", "--key", "--cacert", "--insecure-skip-tls-verify",
        "--cert-file", "--key-file", "--trusted-ca-file", "--auto-tls", "--client-crl-file", "--memory-budget",
        "--max-entries", "--client-cert-issuer-cert", "--client-cert-issuer-key", "--on-demand-prefix",
        "--on-demand-children", "--on-demand-wait");
  }
}
