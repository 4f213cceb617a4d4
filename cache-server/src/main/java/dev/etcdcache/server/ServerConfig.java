package dev.etcdcache.server;

import dev.etcdcache.api.ReadConsistency;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a {@link CacheServer} needs, validated: the flags of {@code etcd grpc-proxy start}
 * that this server supports, plus its own cache settings. Build one with {@link #defaults()} and
 * the {@code with*} methods, or from command-line flags with {@link #parse(String...)}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param endpoints etcd client URLs, all {@code http://host:port} or all {@code https://host:port}
 *     (TLS toward etcd, for the mirror and the forwarded RPCs alike)
 * @param listenHost address the gRPC server binds
 * @param listenPort port the gRPC server binds; 0 picks a free one
 * @param advertiseClientUrl answer {@code MemberList} with one member at this URL; empty = pass through
 * @param metricsUrl {@code http://host:port} serving {@code /metrics} and {@code /health}; empty = none
 * @param maxSendBytes etcd's {@code --max-request-bytes} (default 1.5 MiB): as etcd, watch responses of
 *     a {@code fragment} watch larger than this plus 512 KiB gRPC overhead are split
 * @param maxRecvBytes largest request message accepted; larger ones fail with RESOURCE_EXHAUSTED
 *     (default 1.5 MiB + 512 KiB gRPC overhead, etcd's own server limit)
 * @param watchBufferBytes bytes of watch responses one stream may hold for a client that is not
 *     reading before the stream is closed with RESOURCE_EXHAUSTED (default 64 MiB)
 * @param prefixes mirrored prefixes; empty = the whole keyspace
 * @param historyEvents recent revisions kept for watches and reads at a revision; 0 = the cache's default
 * @param defaultConsistency how Range requests not marked serializable are served
 * @param certFile PEM certificate this server presents to its clients (TLS, etcd's {@code --cert-file});
 *     empty = plaintext
 * @param keyFile PEM private key of {@code certFile} (etcd's {@code --key-file})
 * @param trustedCaFile PEM CA that client certificates must be signed by (etcd's
 *     {@code --trusted-ca-file}); as etcd 3.4 does when it is set, every client must then present one
 * @param user etcd user the server's own mirror logs in as (it needs read on the mirrored ranges
 *     only); empty = anonymous
 * @param password that user's password; never printed by {@link #toString()}
 * @param etcdCaFile PEM CA bundle etcd's server certificates are verified with (grpc-proxy's
 *     {@code --cacert}); empty with https endpoints = the JVM's default trust store
 * @param etcdCertFile PEM client certificate this server presents to etcd (grpc-proxy's {@code --cert})
 * @param etcdKeyFile PEM private key of {@code etcdCertFile} (grpc-proxy's {@code --key})
 * @param etcdSkipVerify accept any server certificate from etcd (grpc-proxy's
 *     {@code --insecure-skip-tls-verify}; for tests only)
 * @param shadowReads shadow mode's sample rate at start, in [0, 1]: above 0 every Range the server
 *     would serve from memory is answered by etcd and that share of them is compared with the
 *     cache's answer in the background ({@code CachingClient.shadowReads}); 0 (default) = off.
 *     Changed at run time with {@code POST /shadow?rate=} on the metrics listener
 * @param memoryBudget the cache's memory budget in estimated bytes ({@code --memory-budget}); 0 = none
 * @param maxEntries the most keys the cache mirrors ({@code --max-entries}); 0 = no limit
 * @param clientCertIssuerCertFile PEM certificate of a CA (or intermediate, followed by its chain)
 *     that etcd's {@code --trusted-ca-file} trusts ({@code --client-cert-issuer-cert}): a caller
 *     without a token whose client certificate this server verified reaches etcd as its CN, over a
 *     connection presenting a short-lived certificate for that CN issued here; empty = such callers
 *     are refused while etcd's auth is on (needs {@code trustedCaFile} and https endpoints)
 * @param clientCertIssuerKeyFile PEM private key of {@code clientCertIssuerCertFile}
 *     ({@code --client-cert-issuer-key}); its content is read at start and held only in memory
 * @param onDemandPrefixes prefixes mirrored on demand ({@code --on-demand-prefix}): each is listed on
 *     its first read and dropped, least recently read first, under the memory limits; empty = none
 * @param onDemandChildren a parent each of whose children ({@code parent + name + '/'}) is mirrored on
 *     demand ({@code --on-demand-children}); empty = none. Neither goes with {@code prefixes}
 * @param onDemandWait how long a prefix's first readers wait for its bootstrap before etcd answers them
 *     ({@code --on-demand-wait}); empty = the cache's default (1 s)
 */
public record ServerConfig(
    List<URI> endpoints,
    String listenHost,
    int listenPort,
    Optional<String> advertiseClientUrl,
    Optional<URI> metricsUrl,
    int maxSendBytes,
    int maxRecvBytes,
    long watchBufferBytes,
    List<String> prefixes,
    int historyEvents,
    ReadConsistency defaultConsistency,
    Optional<Path> certFile,
    Optional<Path> keyFile,
    Optional<Path> trustedCaFile,
    Optional<String> user,
    Optional<String> password,
    Optional<Path> etcdCaFile,
    Optional<Path> etcdCertFile,
    Optional<Path> etcdKeyFile,
    boolean etcdSkipVerify,
    double shadowReads,
    long memoryBudget,
    long maxEntries,
    Optional<Path> clientCertIssuerCertFile,
    Optional<Path> clientCertIssuerKeyFile,
    List<String> onDemandPrefixes,
    String onDemandChildren,
    Optional<Duration> onDemandWait) {

  /** etcd's default {@code --max-request-bytes}. */
  public static final int DEFAULT_MAX_SEND_BYTES = 3 << 19;
  /** etcd's allowance for gRPC framing above {@code --max-request-bytes} ({@code grpcOverheadBytes}). */
  public static final int GRPC_OVERHEAD_BYTES = 512 << 10;
  /** etcd's gRPC receive limit: max request bytes plus 512 KiB of overhead. */
  public static final int DEFAULT_MAX_RECV_BYTES = (3 << 19) + GRPC_OVERHEAD_BYTES;
  /** Default {@link #watchBufferBytes()}. */
  public static final long DEFAULT_WATCH_BUFFER_BYTES = 64L << 20;

  /** Validates the values and copies the lists. */
  public ServerConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one etcd endpoint is needed");
    }
    for (URI e : endpoints) {
      if (!("http".equals(e.getScheme()) || "https".equals(e.getScheme())) || e.getHost() == null || e.getPort() < 0) {
        throw new IllegalArgumentException("endpoint must be http://host:port or https://host:port: " + e);
      }
      if (!e.getScheme().equals(endpoints.get(0).getScheme())) {
        throw new IllegalArgumentException("endpoints mix http and https: " + endpoints);
      }
    }
    Objects.requireNonNull(listenHost, "listenHost");
    if (listenPort < 0 || listenPort > 65535) {
      throw new IllegalArgumentException("listen port out of range: " + listenPort);
    }
    Objects.requireNonNull(advertiseClientUrl, "advertiseClientUrl");
    Objects.requireNonNull(metricsUrl, "metricsUrl");
    metricsUrl.ifPresent(u -> {
      if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException("metrics address must be http://host:port: " + u);
      }
    });
    if (maxSendBytes < 1 || maxRecvBytes < 1) {
      throw new IllegalArgumentException("message size limits must be positive");
    }
    if (watchBufferBytes < 1) {
      throw new IllegalArgumentException("watch buffer bytes must be positive: " + watchBufferBytes);
    }
    prefixes = List.copyOf(prefixes);
    for (String p : prefixes) {
      if (p.isEmpty()) {
        throw new IllegalArgumentException("an empty --prefix: leave it out to mirror everything");
      }
    }
    if (historyEvents < 0) {
      throw new IllegalArgumentException("history events must not be negative: " + historyEvents);
    }
    Objects.requireNonNull(defaultConsistency, "defaultConsistency");
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(trustedCaFile, "trustedCaFile");
    if (certFile.isPresent() != keyFile.isPresent()) {
      throw new IllegalArgumentException("--cert-file and --key-file go together");
    }
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (password.isPresent() && user.isEmpty()) {
      throw new IllegalArgumentException("a password needs a user");
    }
    Objects.requireNonNull(etcdCaFile, "etcdCaFile");
    Objects.requireNonNull(etcdCertFile, "etcdCertFile");
    Objects.requireNonNull(etcdKeyFile, "etcdKeyFile");
    if (etcdCertFile.isPresent() != etcdKeyFile.isPresent()) {
      throw new IllegalArgumentException("--cert and --key go together (client certificate toward etcd)");
    }
    boolean tlsSettings = etcdCaFile.isPresent() || etcdCertFile.isPresent() || etcdSkipVerify;
    if (tlsSettings && !"https".equals(endpoints.get(0).getScheme())) {
      throw new IllegalArgumentException("--cacert, --cert, --key and --insecure-skip-tls-verify need https"
          + " endpoints (TLS toward etcd): " + endpoints);
    }
    if (memoryBudget < 0 || maxEntries < 0) {
      throw new IllegalArgumentException("memory budget and max entries must not be negative (0: none)");
    }
    if (trustedCaFile.isPresent() && certFile.isEmpty()) {
      throw new IllegalArgumentException("--trusted-ca-file needs --cert-file and --key-file (TLS toward clients)");
    }
    Objects.requireNonNull(clientCertIssuerCertFile, "clientCertIssuerCertFile");
    Objects.requireNonNull(clientCertIssuerKeyFile, "clientCertIssuerKeyFile");
    if (clientCertIssuerCertFile.isPresent() != clientCertIssuerKeyFile.isPresent()) {
      throw new IllegalArgumentException("--client-cert-issuer-cert and --client-cert-issuer-key go together");
    }
    if (clientCertIssuerCertFile.isPresent() && trustedCaFile.isEmpty()) {
      throw new IllegalArgumentException("--client-cert-issuer-cert needs --trusted-ca-file (client certificates"
          + " verified by this server are what it maps to etcd users)");
    }
    if (clientCertIssuerCertFile.isPresent() && !"https".equals(endpoints.get(0).getScheme())) {
      throw new IllegalArgumentException("--client-cert-issuer-cert needs TLS toward etcd (https endpoints, or"
          + " --cacert/--cert/--key): etcd reads a CN only from a TLS client certificate");
    }
    onDemandPrefixes = List.copyOf(onDemandPrefixes);
    Objects.requireNonNull(onDemandChildren, "onDemandChildren");
    Objects.requireNonNull(onDemandWait, "onDemandWait");
    for (String p : onDemandPrefixes) {
      if (p.isEmpty()) {
        throw new IllegalArgumentException("an empty --on-demand-prefix");
      }
    }
    if (!onDemandPrefixes.isEmpty() && !onDemandChildren.isEmpty()) {
      throw new IllegalArgumentException("--on-demand-prefix and --on-demand-children do not go together");
    }
    boolean onDemand = !onDemandPrefixes.isEmpty() || !onDemandChildren.isEmpty();
    if (onDemand && !prefixes.isEmpty()) {
      throw new IllegalArgumentException("--prefix does not go with --on-demand-prefix or --on-demand-children"
          + " (a prefix is either mirrored from the start or on demand)");
    }
    if (onDemandWait.isPresent() && (!onDemand || onDemandWait.get().isNegative())) {
      throw new IllegalArgumentException("--on-demand-wait needs --on-demand-prefix or --on-demand-children and"
          + " must not be negative: " + onDemandWait.get());
    }
    if (!(shadowReads >= 0 && shadowReads <= 1)) {
      throw new IllegalArgumentException("shadow read rate must be in [0, 1]: " + shadowReads);
    }
  }

  /** etcd at {@code http://127.0.0.1:2379}, listening on {@code 127.0.0.1:23790}, everything else default. */
  public static ServerConfig defaults() {
    return new ServerConfig(List.of(URI.create("http://127.0.0.1:2379")), "127.0.0.1", 23790,
        Optional.empty(), Optional.empty(), DEFAULT_MAX_SEND_BYTES, DEFAULT_MAX_RECV_BYTES,
        DEFAULT_WATCH_BUFFER_BYTES, List.of(), 0, ReadConsistency.LINEARIZABLE, Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        false, 0, 0, 0, Optional.empty(), Optional.empty(), List.of(), "", Optional.empty());
  }

  /**
   * The configuration {@code etcd grpc-proxy start}-style flags describe.
   *
   * @throws IllegalArgumentException naming the flag, for an unknown or unsupported flag or a bad value
   */
  public static ServerConfig parse(String... args) {
    return ServerFlags.parse(args);
  }

  /** This configuration with other etcd endpoints. */
  public ServerConfig withEndpoints(List<URI> endpoints) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** This configuration listening elsewhere (port 0 picks a free port). */
  public ServerConfig withListen(String host, int port) {
    return new ServerConfig(endpoints, host, port, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** This configuration answering MemberList with {@code url} ({@code null} = pass through). */
  public ServerConfig withAdvertiseClientUrl(String url) {
    return new ServerConfig(endpoints, listenHost, listenPort, Optional.ofNullable(url), metricsUrl,
        maxSendBytes, maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** This configuration serving metrics at {@code url} ({@code null} = none). */
  public ServerConfig withMetricsUrl(URI url) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, Optional.ofNullable(url),
        maxSendBytes, maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** This configuration with other message size limits. */
  public ServerConfig withMessageLimits(int maxSendBytes, int maxRecvBytes) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** This configuration with another per-stream watch buffer bound. */
  public ServerConfig withWatchBufferBytes(long bytes) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, bytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** This configuration mirroring only these prefixes. */
  public ServerConfig withPrefixes(List<String> prefixes) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /**
   * This configuration serving its clients over TLS with {@code cert} and {@code key}, requiring
   * client certificates signed by {@code trustedCa} unless it is {@code null}.
   */
  public ServerConfig withServerTls(Path cert, Path key, Path trustedCa) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, Optional.of(cert),
        Optional.of(key), Optional.ofNullable(trustedCa), user, password, etcdCaFile, etcdCertFile, etcdKeyFile,
        etcdSkipVerify, shadowReads, memoryBudget, maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** This configuration whose mirror logs in to etcd as {@code user} with {@code password}. */
  public ServerConfig withCredentials(String user, String password) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, Optional.of(user), Optional.of(password), etcdCaFile, etcdCertFile, etcdKeyFile,
        etcdSkipVerify, shadowReads, memoryBudget, maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /**
   * This configuration talking to etcd over TLS: every endpoint becomes {@code https}, etcd's
   * certificate is verified with {@code ca} ({@code null}: the JVM's trust store; ignored when
   * {@code skipVerify}), and {@code cert}/{@code key} (both or neither) are presented to etcd.
   */
  public ServerConfig withEtcdTls(Path ca, Path cert, Path key, boolean skipVerify) {
    List<URI> https = endpoints.stream().map(e -> URI.create("https://" + e.getHost() + ":" + e.getPort())).toList();
    return new ServerConfig(https, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, Optional.ofNullable(ca), Optional.ofNullable(cert), Optional.ofNullable(key),
        skipVerify, shadowReads, memoryBudget, maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** Whether the server talks to etcd over TLS (its endpoints are {@code https}). */
  public boolean etcdTls() {
    return "https".equals(endpoints.get(0).getScheme());
  }

  /** This configuration starting in shadow mode with sample rate {@code rate} (0 = off). */
  public ServerConfig withShadowReads(double rate) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, rate, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /**
   * This configuration mapping certificate-only callers to etcd users by their CN, issuing
   * short-lived client certificates with the CA {@code issuerCert} and its key {@code issuerKey}
   * (both {@code null}: no mapping; such callers are refused while etcd's auth is on).
   */
  public ServerConfig withClientCertIssuer(Path issuerCert, Path issuerKey) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, Optional.ofNullable(issuerCert), Optional.ofNullable(issuerKey), onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** Every setting, the password and the issuer key's location masked. */
  @Override
  public String toString() {
    return "ServerConfig[endpoints=" + endpoints + ", listen=" + listenHost + ":" + listenPort
        + ", advertiseClientUrl=" + advertiseClientUrl + ", metricsUrl=" + metricsUrl + ", maxSendBytes="
        + maxSendBytes + ", maxRecvBytes=" + maxRecvBytes + ", watchBufferBytes=" + watchBufferBytes
        + ", prefixes=" + prefixes + ", historyEvents=" + historyEvents + ", defaultConsistency="
        + defaultConsistency + ", certFile=" + certFile + ", keyFile=" + keyFile + ", trustedCaFile="
        + trustedCaFile + ", user=" + user + ", password=" + password.map(p -> "(hidden)") + ", etcdCaFile="
        + etcdCaFile + ", etcdCertFile=" + etcdCertFile + ", etcdKeyFile=" + etcdKeyFile + ", etcdSkipVerify="
        + etcdSkipVerify + ", shadowReads=" + shadowReads + ", memoryBudget=" + memoryBudget + ", maxEntries=" + maxEntries
        + ", clientCertIssuerCertFile=" + clientCertIssuerCertFile
        + ", clientCertIssuerKeyFile=" + clientCertIssuerKeyFile.map(k -> "(hidden)")
        + ", onDemandPrefixes=" + onDemandPrefixes + ", onDemandChildren=" + onDemandChildren
        + ", onDemandWait=" + onDemandWait + "]";
  }

  /** This configuration with another history size and default consistency. */
  public ServerConfig withCache(int historyEvents, ReadConsistency defaultConsistency) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /** This configuration with a memory budget and a most number of keys (0: none). */
  public ServerConfig withMemoryLimits(long memoryBudget, long maxEntries) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, onDemandPrefixes, onDemandChildren, onDemandWait);
  }

  /**
   * This configuration mirroring {@code prefixes}, or each child of {@code children} (empty: none),
   * on demand, their first readers waiting up to {@code wait} ({@code null}: the default).
   */
  public ServerConfig withOnDemand(List<String> prefixes, String children, Duration wait) {
    return new ServerConfig(endpoints, listenHost, listenPort, advertiseClientUrl, metricsUrl, maxSendBytes,
        maxRecvBytes, watchBufferBytes, this.prefixes, historyEvents, defaultConsistency, certFile, keyFile,
        trustedCaFile, user, password, etcdCaFile, etcdCertFile, etcdKeyFile, etcdSkipVerify, shadowReads, memoryBudget,
        maxEntries, clientCertIssuerCertFile, clientCertIssuerKeyFile, prefixes, children, Optional.ofNullable(wait));
  }

  /** Whether some prefixes are mirrored on demand. */
  public boolean onDemand() {
    return !onDemandPrefixes.isEmpty() || !onDemandChildren.isEmpty();
  }
}
