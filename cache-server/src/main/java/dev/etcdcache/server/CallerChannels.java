package dev.etcdcache.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections to etcd that act as a certificate-only caller: per common name, an {@link Upstream}
 * presenting a certificate for that CN from the {@link CertificateIssuer}, so etcd's
 * {@code --client-cert-auth} takes the caller's CN as the user, checks its permissions and gives its
 * own errors (a CN that is no etcd user: permission denied), exactly as for a direct caller.
 *
 * <p>As a {@link Channel} it routes each call by the current gRPC context: a call whose caller has
 * a CN ({@link CallerCertificate}) goes over that CN's connections, any other over the server's own
 * ({@code own}), carrying the caller's token if any. The forwarder uses it as its upstream.
 *
 * <p>Bounds: at most {@link #MAX_CALLERS} CNs keep connections, least recently used first out; a
 * CN's certificate is replaced {@link #RENEW_BEFORE} before it expires, at its next call. A replaced
 * or evicted CN's connections take no new call and close once their calls under way end (a TLS
 * session outlives its certificate, so a long watch keeps running). Thread-safe.
 */
final class CallerChannels extends Channel implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CallerChannels.class);

  /** The most common names with connections of their own at once. */
  static final int MAX_CALLERS = 1024;
  /** How long before its certificate expires a CN's connections are replaced. */
  static final Duration RENEW_BEFORE = Duration.ofMinutes(15);

  private record Entry(Upstream channels, Instant renewAt) {}

  private final Channel own;
  private final CertificateIssuer issuer;
  private final ServerConfig config;
  private final TokenRelay relay = new TokenRelay();
  /** Guarded by this; in access order, so the eldest is the least recently used. */
  private final LinkedHashMap<String, Entry> byName = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      if (size() > maxCallers) {
        eldest.getValue().channels().retire();
        return true;
      }
      return false;
    }
  };
  private boolean closed;
  private final int maxCallers;

  /** Routes to {@code own} or to per-CN connections to {@code config}'s endpoints with {@code issuer}'s certificates. */
  CallerChannels(Channel own, CertificateIssuer issuer, ServerConfig config) {
    this(own, issuer, config, MAX_CALLERS);
  }

  /** As above, keeping connections for at most {@code maxCallers} CNs (tests use a small bound). */
  CallerChannels(Channel own, CertificateIssuer issuer, ServerConfig config, int maxCallers) {
    this.maxCallers = maxCallers;
    this.own = own;
    this.issuer = issuer;
    this.config = config;
    LOG.info("callers without a token reach etcd as their client certificate's CN (certificates issued by {})",
        issuer.issuerName());
  }

  /** The connections acting as {@code commonName} toward etcd. */
  Channel channel(String commonName) {
    synchronized (this) {
      Entry e = current(commonName);
      if (e != null) {
        return e.channels();
      }
    }
    // Issued outside the lock: a key pair and a signature take milliseconds, and other CNs must
    // not wait for them. Two first calls of one CN may both issue; the first stored one is kept.
    CertificateIssuer.Identity id = issuer.issue(commonName);
    Upstream fresh = new Upstream(config.endpoints(), EtcdTls.forIdentity(config, id.key(), id.chain()), relay);
    Upstream unused = null;
    Upstream current;
    synchronized (this) {
      Entry e;
      try {
        e = current(commonName);
      } catch (RuntimeException closing) {
        fresh.retire();
        throw closing;
      }
      if (e != null) {
        unused = fresh;
        current = e.channels();
      } else {
        Entry stale = byName.put(commonName, new Entry(fresh, id.notAfter().minus(RENEW_BEFORE)));
        unused = stale == null ? null : stale.channels();
        current = fresh;
        LOG.debug("issued a client certificate toward etcd for CN '{}' valid until {}", commonName, id.notAfter());
      }
    }
    if (unused != null) {
      unused.retire();
    }
    return current;
  }

  /** The CN's entry while its certificate need not be renewed yet, else null; throws once closed. */
  private Entry current(String commonName) {
    if (closed) {
      throw Status.UNAVAILABLE.withDescription("etcd-cache: server is shutting down").asRuntimeException();
    }
    Entry e = byName.get(commonName);
    return e != null && Instant.now().isBefore(e.renewAt()) ? e : null;
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    String cn = CallerCertificate.commonName();
    return cn == null ? own.newCall(method, options) : channel(cn).newCall(method, options);
  }

  @Override
  public String authority() {
    return own.authority();
  }

  /** Closes every CN's connections (calls under way end with UNAVAILABLE after a grace period). */
  @Override
  public void close() {
    List<Upstream> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>();
      byName.values().forEach(e -> all.add(e.channels()));
      byName.clear();
    }
    all.forEach(Upstream::close);
  }
}
