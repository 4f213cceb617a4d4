package dev.etcdcache.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The etcd user a caller is under etcd's {@code --client-cert-auth}: the common name of the client
 * certificate this server verified on the call's connection (its {@code --trusted-ca-file}), put
 * in the call's gRPC {@link Context} for the routing to etcd ({@link CallerChannels}) and the
 * permission checks. As etcd does ({@code EtcdServer.AuthInfoFromCtx}: a token first, the
 * certificate only for a call without one), a call carrying a token gets no common name: the token
 * decides; so does a call with etcd's gateway header, whose CN etcd ignores. When the subject holds several CNs the last one counts, as Go's
 * {@code pkix.Name.CommonName}; a subject without one gives the empty name, as it does to etcd.
 *
 * <p>Installed only with {@code --client-cert-issuer-cert}. Stateless and thread-safe.
 */
final class CallerCertificate implements ServerInterceptor {

  private static final Context.Key<String> COMMON_NAME = Context.key("etcd-client-cert-cn");
  /** etcd ignores the CN of a call with this header (its own gRPC gateway's; etcd's AuthInfoFromTLS). */
  private static final Metadata.Key<String> GATEWAY =
      Metadata.Key.of("grpcgateway-accept", Metadata.ASCII_STRING_MARSHALLER);

  /** The current call's certificate CN when it carries no token, or {@code null}. */
  static String commonName() {
    return COMMON_NAME.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    boolean noCn = TokenRelay.carriesToken(headers)
        || headers.containsKey(GATEWAY);
    String cn = noCn ? null : commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (cn == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(COMMON_NAME, cn), call, headers, next);
  }

  /** The CN of the session's verified peer certificate; null without one. */
  static String commonName(SSLSession session) {
    if (session == null) {
      return null;
    }
    Certificate[] peer;
    try {
      peer = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException none) {
      return null;
    }
    if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
      return null;
    }
    RDN[] cns = X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
    if (cns.length == 0) {
      return "";
    }
    ASN1Encodable value = cns[cns.length - 1].getFirst().getValue();
    // The string itself, unescaped (etcd compares user names byte for byte).
    return value instanceof ASN1String s ? s.getString() : IETFUtils.valueToString(value);
  }
}
