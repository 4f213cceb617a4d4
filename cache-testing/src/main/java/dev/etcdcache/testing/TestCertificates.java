package dev.etcdcache.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for TLS tests, generated in the JVM (no {@code openssl} needed) as PEM files in a
 * fresh temporary directory: a CA, a server certificate for {@code 127.0.0.1} and
 * {@code localhost} signed by it, client certificates on demand (the common name is the etcd user
 * under etcd's {@code --client-cert-auth}), an expired client certificate, and a second, untrusted
 * CA with a client certificate of its own (a "wrong CA"); intermediate CAs on demand; and on demand an RSA key pair signing
 * etcd's jwt auth tokens ({@link #jwtAuthTokenFlag}).
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.create();
 * EtcdCluster etcd = EtcdCluster.builder().tls(certs).clientCertAuth().build().start();
 * Client alice = etcd.clientBuilder(certs.client("alice")).build();
 * }</pre>
 *
 * <p>Keys are EC P-256, private keys unencrypted PKCS#8 (what etcd, Go and Netty read). Valid for a
 * day from a minute ago (the expired one ended yesterday). Files are not deleted: they live under
 * the system temporary directory. Thread-safe.
 */
public final class TestCertificates {

  /** A certificate and its private key, as PEM files; {@code commonName} is the subject's CN. */
  public record Identity(String commonName, Path certFile, Path keyFile) {}

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final Path dir;
  private final Authority ca;
  private final Authority wrongCa;
  private final Identity server;
  private Path jwtPublicKey;
  private Path jwtPrivateKey;

  private TestCertificates(Path dir) throws GeneralSecurityException, IOException, OperatorCreationException {
    this.dir = dir;
    this.ca = Authority.create("etcd-cache test CA", dir.resolve("ca.pem"));
    this.wrongCa = Authority.create("etcd-cache wrong CA", dir.resolve("wrong-ca.pem"));
    this.server = issue(ca, "etcd-server", "server", true, validFrom(), validUntil());
  }

  /** A new CA and server certificate in a new temporary directory. */
  public static TestCertificates create() {
    try {
      return new TestCertificates(Files.createTempDirectory("etcd-cache-certs-"));
    } catch (IOException e) {
      throw new UncheckedIOException("could not write test certificates", e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not generate test certificates", e);
    }
  }

  /** The CA certificate (PEM) that signed the server and client certificates; what clients trust. */
  public Path caFile() {
    return ca.certFile;
  }

  /** Another CA's certificate: trusting it instead of {@link #caFile()} must fail server verification. */
  public Path wrongCaFile() {
    return wrongCa.certFile;
  }

  /** The server certificate, for {@code 127.0.0.1} and {@code localhost} (CN {@code etcd-server}). */
  public Identity server() {
    return server;
  }

  /** A new client certificate signed by the CA with common name {@code commonName}. */
  public Identity client(String commonName) {
    return issueChecked(ca, commonName, "client-" + commonName, validFrom(), validUntil());
  }

  /**
   * A new intermediate CA signed by the CA (so trusted wherever {@link #caFile()} is), as PEM files:
   * its certificate and its unencrypted PKCS#8 private key. For a server that issues client
   * certificates of its own (cache-server's {@code --client-cert-issuer-cert}).
   */
  public Identity intermediateCa(String commonName) {
    try {
      KeyPair keys = newKeyPair();
      X500Name name = new X500Name("CN=" + commonName);
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.name, nextSerial(), Date.from(validFrom()),
          Date.from(validUntil()), name, keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      String stem = "intermediate-" + commonName.replaceAll("[^A-Za-z0-9-]", "_") + "-" + SERIAL.incrementAndGet();
      Path certFile = dir.resolve(stem + ".pem");
      Path keyFile = dir.resolve(stem + "-key.pem");
      writePem(certFile, b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.key)));
      writePem(keyFile, new JcaPKCS8Generator(keys.getPrivate(), null).generate());
      return new Identity(commonName, certFile, keyFile);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write a test intermediate CA", e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not generate a test intermediate CA", e);
    }
  }

  /** A client certificate signed by the CA whose validity ended a day ago. */
  public Identity expiredClient(String commonName) {
    Instant now = Instant.now();
    return issueChecked(ca, commonName, "expired-" + commonName, now.minus(Duration.ofDays(2)),
        now.minus(Duration.ofDays(1)));
  }

  /** A client certificate signed by the wrong CA (not {@link #caFile()}). */
  public Identity wrongCaClient(String commonName) {
    return issueChecked(wrongCa, commonName, "wrong-ca-" + commonName, validFrom(), validUntil());
  }

  /**
   * etcd's {@code --auth-token} flag for jwt tokens signed RS256 with an RSA key pair generated for
   * these certificates (PEM files in {@link #directory()}), each token valid for {@code ttl} (whole
   * seconds, at least one).
   */
  public synchronized String jwtAuthTokenFlag(Duration ttl) {
    if (jwtPublicKey == null) {
      try {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair keys = g.generateKeyPair();
        Path pub = dir.resolve("jwt-public.pem");
        Path priv = dir.resolve("jwt-private.pem");
        writePem(pub, keys.getPublic());
        writePem(priv, new JcaPKCS8Generator(keys.getPrivate(), null).generate());
        jwtPublicKey = pub;
        jwtPrivateKey = priv;
      } catch (IOException e) {
        throw new UncheckedIOException("could not write the jwt keys", e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("could not generate the jwt keys", e);
      }
    }
    return "--auth-token=jwt,pub-key=" + jwtPublicKey + ",priv-key=" + jwtPrivateKey + ",sign-method=RS256,ttl="
        + Math.max(1, ttl.toSeconds()) + "s";
  }

  /** The directory holding the PEM files. */
  public Path directory() {
    return dir;
  }

  private Identity issueChecked(Authority by, String cn, String fileStem, Instant from, Instant until) {
    try {
      return issue(by, cn, fileStem + "-" + SERIAL.incrementAndGet(), false, from, until);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write a test certificate", e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not generate a test certificate", e);
    }
  }

  private Identity issue(Authority by, String cn, String fileStem, boolean server, Instant from, Instant until)
      throws GeneralSecurityException, IOException, OperatorCreationException {
    KeyPair keys = newKeyPair();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(by.name, nextSerial(), Date.from(from),
        Date.from(until), new X500Name("CN=" + cn), keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    // etcd's server certificate also serves as the client certificate of its own gateway/health
    // calls, so it carries both usages (as etcd's docs advise).
    b.addExtension(Extension.extendedKeyUsage, false, server
        ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
        : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    if (server) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    }
    X509CertificateHolder cert = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(by.key));
    Path certFile = dir.resolve(fileStem + ".pem");
    Path keyFile = dir.resolve(fileStem + "-key.pem");
    writePem(certFile, cert);
    writePem(keyFile, new JcaPKCS8Generator(keys.getPrivate(), null).generate());
    return new Identity(cn, certFile, keyFile);
  }

  private static void writePem(Path file, Object pem) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
         JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(pem);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static BigInteger nextSerial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  private static Instant validFrom() {
    return Instant.now().minus(Duration.ofMinutes(1));
  }

  private static Instant validUntil() {
    return Instant.now().plus(Duration.ofDays(1));
  }

  /** A self-signed CA: its name, signing key and certificate file. */
  private record Authority(X500Name name, PrivateKey key, Path certFile) {
    static Authority create(String cn, Path certFile)
        throws GeneralSecurityException, IOException, OperatorCreationException {
      KeyPair keys = newKeyPair();
      X500Name name = new X500Name("CN=" + cn);
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, nextSerial(), Date.from(validFrom()),
          Date.from(validUntil()), name, keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      writePem(certFile, b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
      return new Authority(name, keys.getPrivate(), certFile);
    }
  }
}
