package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etcdcache.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The certificates issued toward etcd for certificate-only callers: the caller's CN, client
 * authentication only, short-lived, chained to the issuer; an unusable issuer fails naming its
 * files, never quoting the key.
 */
class CertificateIssuerTest {

  @Test
  void issue_givesAShortLivedClientCertificateForTheCn_chainedToTheIssuer() throws Exception {
    TestCertificates certs = TestCertificates.create();
    TestCertificates.Identity ca = certs.intermediateCa("issuer");
    CertificateIssuer issuer = CertificateIssuer.load(ca.certFile(), ca.keyFile());
    CertificateIssuer.Identity id = issuer.issue("alice, the \"admin\"");
    X509Certificate leaf = id.chain()[0];
    assertThat(id.chain()).hasSize(2);
    leaf.verify(id.chain()[1].getPublicKey());
    leaf.checkValidity();
    assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2"); // clientAuth
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(Duration.between(Instant.now(), leaf.getNotAfter().toInstant()))
        .isLessThanOrEqualTo(CertificateIssuer.VALIDITY);
    assertThat(id.toString()).doesNotContain(id.key().toString());
    // The CN reads back unescaped, as etcd's Go code sees it.
    javax.net.ssl.SSLSession session = (javax.net.ssl.SSLSession) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {javax.net.ssl.SSLSession.class},
        (proxy, method, args) -> method.getName().equals("getPeerCertificates")
            ? new java.security.cert.Certificate[] {leaf} : null);
    assertThat(CallerCertificate.commonName(session)).isEqualTo("alice, the \"admin\"");
  }

  @Test
  void load_keyOfAnotherCertificateOrNoKey_failsNamingTheFiles_neverTheKey() throws Exception {
    TestCertificates certs = TestCertificates.create();
    TestCertificates.Identity one = certs.intermediateCa("one");
    TestCertificates.Identity other = certs.intermediateCa("other");
    String key = Files.readString(other.keyFile(), StandardCharsets.US_ASCII);
    String keyBody = key.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    assertThatThrownBy(() -> CertificateIssuer.load(one.certFile(), other.keyFile()))
        .hasMessageContaining(one.certFile().toString()).hasMessageContaining(other.keyFile().toString())
        .satisfies(e -> assertThat(e.toString() + e.getCause()).doesNotContain(keyBody));
    Path empty = Files.createTempFile(certs.directory(), "empty", ".pem");
    assertThatThrownBy(() -> CertificateIssuer.load(one.certFile(), empty))
        .hasMessageContaining("--client-cert-issuer-key");
  }
}
