package dev.etcdcache.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The TLS context this server presents to its clients, from etcd's {@code --cert-file},
 * {@code --key-file} and {@code --trusted-ca-file}. As etcd 3.4 does, a trusted CA makes a client
 * certificate signed by it mandatory.
 *
 * <p>Reload: etcd reads its certificate files on every handshake; here the files are polled every
 * {@link #RELOAD_EVERY} and re-read when one changed, so a new handshake uses a rotated certificate,
 * key or CA within about that long (connections already open keep the session they have, as with
 * etcd). Replace the files by renaming complete ones into place: a certificate read with the old
 * key (or the other way round) fails handshakes until the next poll. A change that cannot be read is
 * skipped (the previous credentials stay) and retried at the next poll.
 *
 * <p>The key's content never reaches a log or an error message: failures name the files only.
 * Thread-safe; {@link #close()} stops the polling.
 */
final class ServerTls implements AutoCloseable {

  /** How often the certificate, key and CA files are checked for changes. */
  static final Duration RELOAD_EVERY = Duration.ofSeconds(1);

  private final SslContext context;
  private final ScheduledExecutorService poller;
  private final List<AutoCloseable> watches = new ArrayList<>();

  private ServerTls(ServerConfig config) {
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cache-server-tls-reload");
      t.setDaemon(true);
      return t;
    });
    try {
      AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
      watches.add(keys.updateIdentityCredentials(config.certFile().orElseThrow().toFile(),
          config.keyFile().orElseThrow().toFile(), RELOAD_EVERY.toMillis(), TimeUnit.MILLISECONDS, poller));
      SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(keys));
      if (config.trustedCaFile().isPresent()) {
        AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION).build();
        watches.add(trust.updateTrustCredentials(config.trustedCaFile().get().toFile(), RELOAD_EVERY.toMillis(),
            TimeUnit.MILLISECONDS, poller));
        b.trustManager(trust).clientAuth(ClientAuth.REQUIRE);
      }
      this.context = b.build();
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      close();
      throw new UncheckedIOException(new IOException("cannot use --cert-file " + config.certFile().orElseThrow()
          + " / --key-file " + config.keyFile().orElseThrow() + config.trustedCaFile().map(c -> " / --trusted-ca-file " + c)
          .orElse("") + ": " + e.getMessage()));
    }
  }

  /** The server TLS of {@code config}, polling its files; call only when {@code config.certFile()} is present. */
  static ServerTls start(ServerConfig config) {
    return new ServerTls(config);
  }

  /** The context for the server's listener; it follows the files. */
  SslContext context() {
    return context;
  }

  @Override
  public void close() {
    for (AutoCloseable w : watches) {
      try {
        w.close();
      } catch (Exception ignored) {
        // stopping a poll cannot fail in a way that matters here
      }
    }
    poller.shutdownNow();
  }
}
