package dev.etcdcache.server;

import dev.etcdcache.core.CacheWire;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd's Watch service: each stream is a {@link WatchStream} over the mirror's watches. A stream
 * whose caller sent an auth token is forwarded to etcd whole, so etcd checks that caller's
 * permissions on every watch.
 *
 * <p>Thread-safe.
 */
final class WatchService {

  private final CacheWire wire;
  private final ResponseHeaders headers;
  private final Forwarder forwarder;
  private final AuthGuard auth;
  private final int fragmentBytes;
  private final long bufferBytes;
  private final Set<WatchStream> open = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.LongAdder slowClientsClosed = new java.util.concurrent.atomic.LongAdder();

  WatchService(CacheWire wire, ResponseHeaders headers, Forwarder forwarder, AuthGuard auth, int fragmentBytes,
      long bufferBytes) {
    this.wire = wire;
    this.headers = headers;
    this.forwarder = forwarder;
    this.auth = auth;
    this.fragmentBytes = fragmentBytes;
    this.bufferBytes = bufferBytes;
  }

  ServerServiceDefinition definition() {
    ServerCallHandler<WatchRequest, WatchResponse> cached = ServerCalls.asyncBidiStreamingCall(this::watch);
    ServerCallHandler<WatchRequest, WatchResponse> forwarded = forwarder.handler();
    ServerCallHandler<WatchRequest, WatchResponse> handler = (call, md) ->
        md.containsKey(TokenRelay.TOKEN) || !auth.servesTokenless()
            ? forwarded.startCall(call, md)
            : cached.startCall(call, md);
    return forwarder.service(WatchGrpc.getServiceDescriptor(),
        Map.of(WatchGrpc.getWatchMethod().getFullMethodName(), handler));
  }

  /** Streams open now. */
  int openStreams() {
    return open.size();
  }

  /** Streams closed since start because their client did not read (RESOURCE_EXHAUSTED). */
  long slowClientsClosed() {
    return slowClientsClosed.sum();
  }

  /** Ends every open stream with UNAVAILABLE and closes its watches. */
  void shutdown() {
    for (WatchStream s : open) {
      s.shutdown(Status.UNAVAILABLE.withDescription("etcd-cache: server is shutting down"));
    }
    open.clear();
  }

  private StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) responses;
    WatchStream[] self = new WatchStream[1];
    self[0] = new WatchStream(wire, headers, fragmentBytes, bufferBytes, call, () -> open.remove(self[0]),
        slowClientsClosed::increment);
    open.add(self[0]);
    return self[0];
  }
}
