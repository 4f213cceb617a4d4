package dev.etcdcache.server;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues short-lived TLS client certificates for a common name, signed by a CA that etcd's
 * {@code --trusted-ca-file} trusts ({@code --client-cert-issuer-cert}/{@code --client-cert-issuer-key}).
 * Presented to etcd, such a certificate makes etcd's {@code --client-cert-auth} take that CN as the
 * user of a tokenless call, exactly as when the caller's own certificate reaches etcd, so etcd alone
 * decides every permission of a certificate-only caller of this server.
 *
 * <p>Each certificate has a fresh EC P-256 key made in memory, is valid from
 * {@link #CLOCK_SKEW} ago for {@link #VALIDITY}, and is marked for client authentication only. The
 * issuer file may hold an intermediate followed by its chain: the whole chain is presented after
 * the new certificate, so etcd need trust only the root.
 *
 * <p>The issuer's private key is read once and held only in this object; it never reaches a log or
 * an error message (failures name the files only). Thread-safe.
 */
final class CertificateIssuer {

  /** How long an issued certificate is valid. */
  static final Duration VALIDITY = Duration.ofHours(1);
  /** How far back an issued certificate's validity starts, for etcd hosts whose clocks run behind. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  /** A private key and the certificate chain that goes with it, leaf first. */
  record Identity(String commonName, PrivateKey key, X509Certificate[] chain, Instant notAfter) {
    @Override
    public String toString() {
      return "Identity[" + commonName + ", until " + notAfter + ", key hidden]";
    }
  }

  private final List<X509Certificate> issuerChain;
  private final PrivateKey issuerKey;
  private final String signatureAlgorithm;
  private final SecureRandom random = new SecureRandom();

  private CertificateIssuer(List<X509Certificate> issuerChain, PrivateKey issuerKey) {
    this.issuerChain = List.copyOf(issuerChain);
    this.issuerKey = issuerKey;
    this.signatureAlgorithm = switch (issuerKey.getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IllegalArgumentException("unsupported issuer key algorithm " + issuerKey.getAlgorithm());
    };
  }

  /**
   * The issuer of {@code certFile} (PEM: the issuing CA first, then any certificates of its chain)
   * and {@code keyFile} (PEM private key of the first certificate, PKCS#8 or traditional).
   *
   * @throws UncheckedIOException naming the files, when they cannot be read or do not fit
   */
  static CertificateIssuer load(Path certFile, Path keyFile) {
    try {
      List<X509Certificate> chain = readCertificates(certFile);
      if (chain.isEmpty()) {
        throw new IOException("no certificate in it");
      }
      CertificateIssuer issuer = new CertificateIssuer(chain, readKey(keyFile));
      // Prove at start that the key belongs to the certificate (a mismatch would fail every handshake).
      issuer.issue("etcd-cache-issuer-check").chain()[0].verify(chain.get(0).getPublicKey());
      return issuer;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      // The exception's class only: a parser's message could quote what it read.
      throw new UncheckedIOException(new IOException("cannot use --client-cert-issuer-cert " + certFile
          + " / --client-cert-issuer-key " + keyFile + " (" + e.getClass().getSimpleName()
          + "): they must be a PEM CA certificate and its PEM private key"));
    }
  }

  /** The issuing CA's subject, for log lines. */
  String issuerName() {
    return issuerChain.get(0).getSubjectX500Principal().getName();
  }

  /** A new key pair and a certificate for {@code commonName}, valid for {@link #VALIDITY}. */
  Identity issue(String commonName) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = g.generateKeyPair();
      Instant now = Instant.now();
      Instant notAfter = now.plus(VALIDITY);
      X509Certificate ca = issuerChain.get(0);
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, new BigInteger(127, random).add(BigInteger.ONE),
          Date.from(now.minus(CLOCK_SKEW)), Date.from(notAfter), subject(commonName), keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
      X509CertificateHolder holder = b.build(new JcaContentSignerBuilder(signatureAlgorithm).build(issuerKey));
      X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(holder);
      X509Certificate[] chain = new X509Certificate[issuerChain.size() + 1];
      chain[0] = leaf;
      for (int i = 0; i < issuerChain.size(); i++) {
        chain[i + 1] = issuerChain.get(i);
      }
      return new Identity(commonName, keys.getPrivate(), chain, notAfter);
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("could not issue a client certificate for CN " + commonName + " ("
          + e.getClass().getSimpleName() + ")");
    }
  }

  /** {@code CN=commonName}, or an empty subject for an empty CN (etcd then sees user name ""). */
  private static X500Name subject(String commonName) {
    X500NameBuilder n = new X500NameBuilder(BCStyle.INSTANCE);
    if (!commonName.isEmpty()) {
      n.addRDN(BCStyle.CN, commonName);
    }
    return n.build();
  }

  private static List<X509Certificate> readCertificates(Path file) throws IOException, GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder h) {
          out.add(converter.getCertificate(h));
        }
      }
    }
    return out;
  }

  private static PrivateKey readKey(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    }
    throw new IOException("no unencrypted private key in it");
  }
}
