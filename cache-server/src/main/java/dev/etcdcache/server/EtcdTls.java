package dev.etcdcache.server;

import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * TLS from this server toward etcd, as {@code etcd grpc-proxy start} configures it ({@code --cacert},
 * {@code --cert}, {@code --key}, {@code --insecure-skip-tls-verify}): one setting for the mirror's
 * jetcd client and for the server's own forwarding channels, so both present the same certificate
 * and trust the same CA.
 *
 * <p>A refused handshake never heals by waiting (a wrong CA, no client certificate where etcd wants
 * one, an expired certificate), and a jetcd client whose handshake is refused waits for ever, so
 * {@link #checkHandshakes} makes the server's start fail with the TLS error instead, within a bounded
 * time. An etcd that is down or slow is not a TLS error: the server starts and waits for it as
 * without TLS. Key contents never reach an error message: failures name the files only.
 */
final class EtcdTls {

  private EtcdTls() {}

  /** The context of the forwarding channels (gRPC's shaded Netty); call only when {@code config.etcdTls()}. */
  static SslContext forChannels(ServerConfig config) {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (config.etcdSkipVerify()) {
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
      } else if (config.etcdCaFile().isPresent()) {
        b.trustManager(config.etcdCaFile().get().toFile());
      }
      if (config.etcdCertFile().isPresent()) {
        b.keyManager(config.etcdCertFile().get().toFile(), config.etcdKeyFile().orElseThrow().toFile());
      }
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw unusable(config, e);
    }
  }

  /**
   * A context trusting etcd as {@link #forChannels} does but presenting {@code chain} (leaf first)
   * with {@code key} instead of {@code --cert}: a certificate-only caller's identity toward etcd
   * ({@link CallerChannels}).
   */
  static SslContext forIdentity(ServerConfig config, java.security.PrivateKey key,
      java.security.cert.X509Certificate[] chain) {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (config.etcdSkipVerify()) {
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
      } else if (config.etcdCaFile().isPresent()) {
        b.trustManager(config.etcdCaFile().get().toFile());
      }
      return b.keyManager(key, chain).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw unusable(config, e);
    }
  }

  /** Sets the mirror's jetcd client up with the same TLS; call only when {@code config.etcdTls()}. */
  static void configure(ClientBuilder client, ServerConfig config) {
    try {
      client.sslContext(b -> {
        if (config.etcdSkipVerify()) {
          b.trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE);
        } else if (config.etcdCaFile().isPresent()) {
          b.trustManager(config.etcdCaFile().get().toFile());
        }
        if (config.etcdCertFile().isPresent()) {
          b.keyManager(config.etcdCertFile().get().toFile(), config.etcdKeyFile().orElseThrow().toFile());
        }
      });
    } catch (SSLException | IllegalArgumentException e) {
      throw unusable(config, e);
    }
  }

  /**
   * Asks every endpoint for its status over {@code channels} (one per endpoint, no token), all
   * within {@code bound}; throws if any refuses the TLS handshake. Any answer, etcd's errors
   * included, proves the handshake; an endpoint that cannot be reached or does not answer in time
   * is left to the usual retries.
   *
   * @throws UncheckedIOException naming the endpoint and the TLS failure
   */
  static void checkHandshakes(List<URI> endpoints, List<ManagedChannel> channels, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    for (int i = 0; i < channels.size(); i++) {
      long left = Math.max(1, deadline - System.nanoTime());
      try {
        MaintenanceGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(left, TimeUnit.NANOSECONDS)
            .status(StatusRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        Throwable tls = tlsCause(e);
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && tls != null) {
          throw new UncheckedIOException(new IOException("TLS handshake with etcd at " + endpoints.get(i)
              + " failed (check --cacert, --cert, --key): " + tls.getMessage(), tls));
        }
      }
    }
  }

  private static Throwable tlsCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException || c instanceof java.security.cert.CertificateException) {
        return c;
      }
    }
    return null;
  }

  private static UncheckedIOException unusable(ServerConfig config, Exception e) {
    return new UncheckedIOException(new IOException("cannot use TLS toward etcd with --cacert "
        + config.etcdCaFile().map(Object::toString).orElse("(none)") + " / --cert "
        + config.etcdCertFile().map(Object::toString).orElse("(none)") + " / --key "
        + config.etcdKeyFile().map(Object::toString).orElse("(none)") + ": " + e.getMessage()));
  }
}
