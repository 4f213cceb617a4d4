package dev.etcdcache.benchmarks.server;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * N client "connections": one grpc-java Netty channel each (its own TCP connection and HTTP/2
 * session), plaintext, to one contender's port, as N Go clients or etcdctl processes would open.
 * Callbacks run on the channel's Netty event loop (direct executor), so the harness adds no thread
 * hop the contenders do not share. Not thread-safe to open or close; the channels themselves are.
 */
final class Connections implements AutoCloseable {

  /** Largest response accepted: a Range of 10,000 keys of 297 B is about 3.3 MB. */
  static final int MAX_INBOUND_BYTES = 256 << 20;

  private final List<ManagedChannel> channels;

  private Connections(List<ManagedChannel> channels) {
    this.channels = channels;
  }

  static Connections open(int port, int count) {
    return open(port, count, new io.grpc.ClientInterceptor[0]);
  }

  /** As {@link #open(int, int)}, every call passing through {@code interceptors} (say, to add an auth token). */
  static Connections open(int port, int count, io.grpc.ClientInterceptor... interceptors) {
    List<ManagedChannel> channels = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port)
          .intercept(interceptors)
          .usePlaintext()
          .directExecutor()
          .maxInboundMessageSize(MAX_INBOUND_BYTES)
          .build());
    }
    return new Connections(channels);
  }

  int size() {
    return channels.size();
  }

  ManagedChannel get(int index) {
    return channels.get(index);
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
