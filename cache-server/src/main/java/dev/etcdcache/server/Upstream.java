package dev.etcdcache.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's own gRPC connections to etcd, over which every RPC it does not answer from the
 * mirror is forwarded as raw protobuf, over TLS when the endpoints are https ({@link EtcdTls}). One
 * channel per endpoint; each call goes to the next
 * endpoint in turn that is not in {@code TRANSIENT_FAILURE} (all failing: the next in turn, so the
 * caller sees etcd's own UNAVAILABLE). The caller's auth token rides along ({@link TokenRelay}).
 *
 * <p>Thread-safe.
 */
final class Upstream extends Channel implements AutoCloseable {

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Channel> relayed = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  /** Channels to {@code endpoints}, over TLS with {@code tls} ({@code null}: plaintext). */
  Upstream(List<URI> endpoints, SslContext tls, TokenRelay relay) {
    for (URI e : endpoints) {
      NettyChannelBuilder b = NettyChannelBuilder.forAddress(e.getHost(), e.getPort());
      if (tls == null) {
        b.usePlaintext();
      } else {
        b.sslContext(tls);
      }
      ManagedChannel c = b
          // etcd sends up to math.MaxInt32 bytes; the limit that matters is the client's.
          .maxInboundMessageSize(Integer.MAX_VALUE)
          .maxInboundMetadataSize(Integer.MAX_VALUE)
          .build();
      channels.add(c);
      relayed.add(ClientInterceptors.intercept(c, relay));
    }
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    int n = channels.size();
    int start = Math.floorMod(next.getAndIncrement(), n);
    for (int i = 0; i < n; i++) {
      int k = (start + i) % n;
      if (channels.get(k).getState(true) != ConnectivityState.TRANSIENT_FAILURE) {
        return relayed.get(k).newCall(method, options);
      }
    }
    return relayed.get(start).newCall(method, options);
  }

  /** The channels, one per endpoint in order, without the caller's token (for start-up checks). */
  List<ManagedChannel> channels() {
    return List.copyOf(channels);
  }

  @Override
  public String authority() {
    return channels.get(0).authority();
  }

  /** Takes no new calls; calls under way (a forwarded watch, say) run to their end. Does not wait. */
  void retire() {
    channels.forEach(ManagedChannel::shutdown);
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdown);
    for (ManagedChannel c : channels) {
      try {
        if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        c.shutdownNow();
      }
    }
  }
}
