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
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Watch service: each stream is a {@link WatchStream} over the mirror's watches. A stream
 * whose caller sent an auth token is served from the mirror too, but each of its watches only once
 * etcd said that token may read the watch's range ({@link ReadPermissions}); a refused create gets
 * etcd's own refusal. Every {@code recheckEvery} the open watches of such streams are checked again
 * and those whose caller lost read permission are canceled with etcd's permission-denied reason
 * (etcd 3.4 itself keeps them running). A stream without a token is served from the mirror while
 * etcd's auth is off and forwarded to etcd whole while it is on ({@link AuthGuard}).
 *
 * <p>Thread-safe. One daemon thread runs the re-checks.
 */
final class WatchService {

  private static final Logger LOG = LoggerFactory.getLogger(WatchService.class);

  private final CacheWire wire;
  private final ResponseHeaders headers;
  private final Forwarder forwarder;
  private final AuthGuard auth;
  private final int fragmentBytes;
  private final long bufferBytes;
  private final Set<WatchStream> open = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.LongAdder slowClientsClosed = new java.util.concurrent.atomic.LongAdder();
  private final ReadPermissions permissions;
  private final ScheduledExecutorService recheck;

  WatchService(CacheWire wire, ResponseHeaders headers, Forwarder forwarder, AuthGuard auth, int fragmentBytes,
      long bufferBytes, ReadPermissions permissions, Duration recheckEvery) {
    this.permissions = permissions;
    this.recheck = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cache-server-watch-permissions");
      t.setDaemon(true);
      return t;
    });
    recheck.scheduleWithFixedDelay(this::recheckAll, recheckEvery.toMillis(), recheckEvery.toMillis(),
        TimeUnit.MILLISECONDS);
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
        !md.containsKey(TokenRelay.TOKEN) && !auth.servesTokenless()
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
    recheck.shutdownNow();
    for (WatchStream s : open) {
      s.shutdown(Status.UNAVAILABLE.withDescription("etcd-cache: server is shutting down"));
    }
    open.clear();
  }

  private void recheckAll() {
    try {
      open.forEach(WatchStream::recheck);
    } catch (RuntimeException e) {
      LOG.warn("re-checking watch permissions failed; trying again in a moment", e);
    }
  }

  private StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) responses;
    WatchStream[] self = new WatchStream[1];
    // The stream's token, from the call's context (TokenRelay); its watches are checked with it.
    String token = TokenRelay.callerToken();
    WatchStream.Gate gate = token == null ? null : (key, end) -> permissions.decide(token, key, end);
    self[0] = new WatchStream(wire, headers, fragmentBytes, bufferBytes, call, () -> open.remove(self[0]),
        slowClientsClosed::increment, gate);
    open.add(self[0]);
    return self[0];
  }
}
