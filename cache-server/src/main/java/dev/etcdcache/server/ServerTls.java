package dev.etcdcache.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The TLS context this server presents to its clients, from etcd's {@code --cert-file},
 * {@code --key-file} and {@code --trusted-ca-file}. As etcd 3.4 does, a trusted CA makes a client
 * certificate signed by it mandatory. The files are read once at start (a changed certificate needs a
 * restart). The key's content never reaches a log or an error message: failures name the files only.
 */
final class ServerTls {

  private ServerTls() {}

  /** The server context of {@code config}; call only when {@code config.certFile()} is present. */
  static SslContext context(ServerConfig config) {
    try {
      SslContextBuilder b = GrpcSslContexts.forServer(config.certFile().orElseThrow().toFile(),
          config.keyFile().orElseThrow().toFile());
      config.trustedCaFile().ifPresent(ca -> b.trustManager(ca.toFile()).clientAuth(ClientAuth.REQUIRE));
      return b.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new UncheckedIOException(new IOException("cannot use --cert-file " + config.certFile().orElseThrow()
          + " / --key-file " + config.keyFile().orElseThrow() + config.trustedCaFile().map(c -> " / --trusted-ca-file " + c)
          .orElse("") + ": " + e.getMessage()));
    }
  }
}
