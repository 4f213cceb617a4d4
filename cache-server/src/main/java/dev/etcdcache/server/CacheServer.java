package dev.etcdcache.server;

import com.google.protobuf.ByteString;
import dev.etcdcache.core.CachingClient;
import dev.etcdcache.core.OnDemandPrefixes;
import dev.etcdcache.metrics.EtcdCacheMetrics;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running etcd-cache server: etcd's v3 gRPC API (KV, Watch, Lease, Cluster, Maintenance, Auth,
 * Lock, Election, and gRPC health) on one port, Range and Watch served from one
 * {@link CachingClient} mirror of etcd, everything else forwarded to etcd unchanged. A drop-in for
 * {@code etcd grpc-proxy start}.
 *
 * <p>It listens as soon as {@link #start} returns; until the mirror is ready, Range requests pass
 * through to etcd and the gRPC health status is NOT_SERVING (then SERVING). A Range with an etcd
 * auth token is served from the cache only after etcd confirmed that token may read the range
 * (remembered for {@link #PERMISSION_TTL}; see {@code ReadPermissions}), and goes to etcd with the
 * token otherwise; a watch with a token is served from the cache after the same check (etcd's
 * refusal otherwise) and canceled with etcd's permission-denied reason when a re-check every
 * {@link #PERMISSION_TTL} finds the permission revoked (see {@code WatchService}); other calls with
 * a token are forwarded to etcd, which checks the caller's permissions; so are calls without one
 * while etcd has auth enabled (probed every second; see {@code AuthGuard}), unless the server
 * issues certificates for its callers' CNs ({@code --client-cert-issuer-cert}): then a caller whose
 * client certificate it verified is handled as a token caller, with etcd deciding as that CN.
 *
 * <p>Thread-safe. {@link #close()} ends every watch stream with UNAVAILABLE, stops the listener,
 * and closes the mirror and the connections to etcd.
 */
public final class CacheServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CacheServer.class);
  /** How long etcd's "this token may read this range" is trusted: the bound on noticing a revocation. */
  static final Duration PERMISSION_TTL = Duration.ofSeconds(1);
  /** Probes over the server's channel give up when the mirror's own requests do. */
  private static final Duration PROBE_TIMEOUT = dev.etcdcache.core.CacheConfig.defaults().requestTimeout();
  /** How long the start waits for etcd's TLS handshakes before it leaves them to the usual retries. */
  static final Duration ETCD_TLS_CHECK = Duration.ofSeconds(10);

  private final ServerConfig config;
  private final Client etcd;
  private final CachingClient cache;
  private final Upstream upstream;
  /** Connections acting as certificate-only callers' CNs toward etcd; null without an issuer. */
  private final CallerChannels callers;
  private final AuthGuard auth;
  private final WatchService watchService;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ExecutorService executor;
  private final Server server;
  private final HttpEndpoints http;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** TLS toward clients, re-reading its files; null: plaintext. */
  private final ServerTls tls;
  /** Traces RPCs and the cache; null: no tracing. */
  private final OpenTelemetry openTelemetry;

  private CacheServer(ServerConfig config, OpenTelemetry openTelemetry) throws IOException {
    this.openTelemetry = openTelemetry;
    this.config = config;
    // Read before anything is opened: an unusable issuer fails the start with nothing to close.
    CertificateIssuer issuer = config.clientCertIssuerCertFile().map(
        c -> CertificateIssuer.load(c, config.clientCertIssuerKeyFile().orElseThrow())).orElse(null);
    io.etcd.jetcd.ClientBuilder etcdClient = Client.builder().endpoints(config.endpoints().toArray(URI[]::new));
    // The mirror's own identity: it needs read on the mirrored ranges only (jetcd renews its token).
    config.user().ifPresent(u -> etcdClient.user(io.etcd.jetcd.ByteSequence.from(u, StandardCharsets.UTF_8))
        .password(io.etcd.jetcd.ByteSequence.from(config.password().orElse(""), StandardCharsets.UTF_8)));
    TokenRelay relay = new TokenRelay();
    if (config.etcdTls()) {
      EtcdTls.configure(etcdClient, config);
      this.upstream = new Upstream(config.endpoints(), EtcdTls.forChannels(config), relay);
      try {
        // A refused handshake would leave the mirror waiting for ever: fail the start instead.
        EtcdTls.checkHandshakes(config.endpoints(), upstream.channels(), ETCD_TLS_CHECK);
      } catch (RuntimeException e) {
        upstream.close();
        throw e;
      }
    } else {
      this.upstream = new Upstream(config.endpoints(), null, relay);
    }
    this.etcd = etcdClient.build();
    this.cache = cache(config, etcd);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    EtcdCacheMetrics.monitor(registry, cache, "server");
    // With an issuer, a certificate-only caller's forwarded calls reach etcd as its CN.
    this.callers = issuer == null ? null : new CallerChannels(upstream, issuer, config);
    Forwarder forwarder = new Forwarder(callers == null ? upstream : callers);
    ResponseHeaders headers = new ResponseHeaders(cache);
    this.auth = new AuthGuard(upstream, Duration.ofSeconds(1), config.etcdCertFile().isPresent());
    // etcd's watch server fragments above max-request-bytes plus its 512 KiB gRPC overhead.
    ReadPermissions permissions = new ReadPermissions(upstream, callers, PERMISSION_TTL, config.prefixes());
    this.watchService = new WatchService(cache.wire(), headers, forwarder, auth,
        config.maxSendBytes() + ServerConfig.GRPC_OVERHEAD_BYTES, config.watchBufferBytes(), permissions,
        PERMISSION_TTL, () -> cache.status().ready() && (hasOwnIdentity(config) || auth.servesTokenless()));
    AtomicInteger threads = new AtomicInteger();
    int n = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    this.executor = Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "cache-server-grpc-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    health.setStatus("", ServingStatus.NOT_SERVING);
    NettyServerBuilder b = NettyServerBuilder
        .forAddress(new InetSocketAddress(config.listenHost(), config.listenPort()))
        // Each call's method is looked up on the event loop that received it; then Range stays
        // there and every other call moves to executor (see InlineRange).
        .directExecutor()
        .callExecutor(new InlineRange(executor))
        .maxInboundMessageSize(config.maxRecvBytes())
        // Its span is current while the other interceptors and the handlers run (a pass-through when untraced).
        .intercept(new RpcTracing(openTelemetry))
        // etcd's keepalive enforcement (v3rpc/grpc.go): clients may ping every 5 s, also idle.
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .addService(new KvService(cache.wire(), headers, forwarder, auth, permissions, upstream, callers).definition())
        .addService(watchService.definition())
        .addService(forwarder.service(LeaseGrpc.getServiceDescriptor(), Map.of()))
        .addService(new ClusterService(forwarder, config.advertiseClientUrl()).definition())
        .addService(forwarder.service(MaintenanceGrpc.getServiceDescriptor(), Map.of()))
        .addService(forwarder.service(AuthGrpc.getServiceDescriptor(), Map.of()))
        .addService(forwarder.service(LockGrpc.getServiceDescriptor(), Map.of()))
        .addService(forwarder.service(ElectionGrpc.getServiceDescriptor(), Map.of()))
        .addService(health.getHealthService())
        .intercept(relay)
        .intercept(new TokenlessRefusal(auth));
    if (callers != null) {
      // Runs before TokenlessRefusal (interceptors added later run first), which lets CN callers pass.
      b.intercept(new CallerCertificate());
    }
    b.intercept(new RpcMetrics(registry))
        .addTransportFilter(new ServerMeters(registry, watchService));
    if (config.certFile().isPresent()) {
      try {
        this.tls = ServerTls.start(config);
      } catch (RuntimeException e) {
        closeQuietly();
        throw e;
      }
      b.sslContext(tls.context());
    } else {
      this.tls = null;
    }
    this.server = b.build();
    try {
      server.start();
      port = server.getPort();
      http = config.metricsUrl().isPresent()
          ? new HttpEndpoints(config.metricsUrl().get(), registry, () -> cache.status().ready(),
              () -> StatusPage.json(cache)) : null;
      if (http != null) {
        http.add("/bypass", new BypassEndpoint(cache));
        http.add("/shadow", new ShadowEndpoint(cache));
      }
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    cache.ready().thenRun(() -> {
      health.setStatus("", ServingStatus.SERVING);
      // Learn etcd's cluster_id, member_id and raft_term for the responses this server makes itself.
      cache.wire().range(RangeRequest.newBuilder().setKey(firstKey(config)).setCountOnly(true).setSerializable(true)
          .build()).thenAccept(r -> headers.observe(r.getHeader()));
    });
    LOG.info("listening for gRPC proxy client requests on {}:{} (etcd {})", config.listenHost(), port(),
        config.endpoints());
  }

  /**
   * Starts a server for {@code config} and returns once it listens.
   *
   * @throws UncheckedIOException if the listen or metrics address cannot be bound
   */
  public static CacheServer start(ServerConfig config) {
    return start(config, null);
  }

  /**
   * Starts a server for {@code config} traced through {@code openTelemetry}: one span per RPC
   * carrying the cache's decision ({@code etcd_cache.decision}, {@code etcd_cache.reason}), and the
   * cache's own spans (see {@code CachingClient.Builder.openTelemetry}); null traces nothing.
   *
   * @throws UncheckedIOException if the listen or metrics address cannot be bound
   */
  public static CacheServer start(ServerConfig config, OpenTelemetry openTelemetry) {
    try {
      return new CacheServer(config, openTelemetry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start cache-server: " + e.getMessage(), e);
    }
  }

  /**
   * Starts a server configured by {@code etcd grpc-proxy start}-style flags (see {@code --help}).
   *
   * @throws IllegalArgumentException for an unknown or unsupported flag or a bad value, naming it
   * @throws UncheckedIOException if the listen or metrics address cannot be bound
   */
  public static CacheServer start(String... args) {
    return start(ServerConfig.parse(args));
  }

  /** The port the gRPC server listens on (the bound one when configured with port 0). */
  public int port() {
    return port;
  }

  /** The URL clients use: {@code http://<listen host>:<port>} ({@code https} with TLS toward clients). */
  public String clientUrl() {
    return (config.certFile().isPresent() ? "https://" : "http://") + config.listenHost() + ":" + port();
  }

  /** Where {@code /metrics} and {@code /health} are served (with the bound port), if configured. */
  public Optional<URI> metricsUrl() {
    return http == null ? Optional.empty()
        : Optional.of(URI.create("http://" + config.metricsUrl().get().getHost() + ":" + http.port()));
  }

  /** Watch streams open now (for tests of stream cleanup). */
  int openWatchStreams() {
    return watchService.openStreams();
  }

  /** Times a watch stream sent an event response encoded by another stream (for tests). */
  long sharedWatchEncodings() {
    return watchService.sharedEncodingsReused();
  }

  /** Event responses sent joined to the one before because the client was behind (for tests). */
  long joinedWatchResponses() {
    return watchService.joinedResponses();
  }

  /** Watch streams closed because their client did not read (for tests). */
  long slowClientsClosed() {
    return watchService.slowClientsClosed();
  }

  /** The configuration this server runs with. */
  public ServerConfig config() {
    return config;
  }

  /** Completes when the mirror is ready and Range and Watch are served from memory. */
  public CompletableFuture<Void> ready() {
    return cache.ready();
  }

  /** Stops serving (idempotent): watch streams end with UNAVAILABLE, then the mirror and connections close. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      health.enterTerminalState();
      watchService.shutdown();
      server.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
          server.awaitTermination(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.shutdownNow();
      }
      closeQuietly();
      LOG.info("stopped serving gRPC proxy client requests on {}:{}", config.listenHost(), port);
    }
  }

  private void closeQuietly() {
    if (http != null) {
      http.close();
    }
    if (tls != null) {
      tls.close();
    }
    auth.close();
    cache.close();
    etcd.close();
    if (callers != null) {
      callers.close();
    }
    upstream.close();
    executor.shutdownNow();
  }

  private CachingClient cache(ServerConfig config, Client etcd) {
    CachingClient.Builder b = CachingClient.builder(etcd).defaultConsistency(config.defaultConsistency());
    if (config.user().isEmpty()) {
      // The server's channel carries the mirror's identity (the same certificate, or none): the
      // probes of linearizable reads go over it, not through jetcd (see ChannelRange).
      b.probeRange(new ChannelRange(upstream, PROBE_TIMEOUT));
    }
    if (openTelemetry != null) {
      b.openTelemetry(openTelemetry);
    }
    if (!config.prefixes().isEmpty()) {
      b.prefixes(config.prefixes().stream().map(p -> ByteSequence.from(p, StandardCharsets.UTF_8))
          .toArray(ByteSequence[]::new));
    }
    if (!config.onDemandChildren().isEmpty()) {
      b.onDemand(OnDemandPrefixes.children(ByteSequence.from(config.onDemandChildren(), StandardCharsets.UTF_8)));
    } else if (!config.onDemandPrefixes().isEmpty()) {
      b.onDemand(OnDemandPrefixes.of(config.onDemandPrefixes().stream()
          .map(p -> ByteSequence.from(p, StandardCharsets.UTF_8)).toArray(ByteSequence[]::new)));
    }
    config.onDemandWait().ifPresent(b::onDemandWait);
    if (config.historyEvents() > 0) {
      b.historyEvents(config.historyEvents());
    }
    if (config.memoryBudget() > 0) {
      b.memoryBudget(config.memoryBudget());
    }
    if (config.maxEntries() > 0) {
      b.maxEntries(config.maxEntries());
    }
    CachingClient built = b.build();
    if (config.shadowReads() > 0) {
      built.shadowReads(config.shadowReads());
    }
    return built;
  }

  /** Whether the mirror logs in to etcd as a user of its own (a password, or a client certificate's CN). */
  private static boolean hasOwnIdentity(ServerConfig config) {
    return config.user().isPresent() || config.etcdCertFile().isPresent();
  }

  private static ByteString firstKey(ServerConfig config) {
    if (!config.onDemandChildren().isEmpty()) {
      return ByteString.copyFromUtf8(config.onDemandChildren());
    }
    if (!config.onDemandPrefixes().isEmpty()) {
      return ByteString.copyFromUtf8(config.onDemandPrefixes().get(0));
    }
    return config.prefixes().isEmpty() ? ByteString.copyFrom(new byte[] {0})
        : ByteString.copyFromUtf8(config.prefixes().get(0));
  }
}
