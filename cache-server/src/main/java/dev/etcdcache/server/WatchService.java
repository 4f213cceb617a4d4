package dev.etcdcache.server;

import dev.etcdcache.core.CacheWire;
import io.etcd.jetcd.api.WatchRequest;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Watch service: each stream is a {@link WatchStream} over the mirror's watches. A stream
 * whose caller sent an auth token is served from the mirror too (when the mirror can serve it at the
 * stream's start; forwarded to etcd whole otherwise), but each of its watches only once
 * etcd said that token may read the watch's range ({@link ReadPermissions}); a refused create gets
 * etcd's own refusal. Every {@code recheckEvery} the open watches of such streams are checked again
 * and those whose caller lost read permission are canceled with etcd's permission-denied reason
 * (etcd 3.4 itself keeps them running). A stream without a token is served from the mirror while
 * etcd's auth is off and forwarded to etcd whole while it is on ({@link AuthGuard}), except one whose
 * caller's client certificate names an etcd user ({@link CallerCertificate}), served as a token
 * stream with that CN's permissions.
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
  /** Event responses encoded once for all streams. */
  private final SharedEncodings shared = new SharedEncodings();
  private final LongAdder joinedResponses = new LongAdder();
  private final LongAdder slowClientsClosed = new LongAdder();
  private final ReadPermissions permissions;
  private final ScheduledExecutorService recheck;
  /**
   * Whether the mirror can serve a token caller's watches now (it is ready, and it has an etcd user
   * of its own or auth is off); when not, a token stream goes to etcd whole.
   */
  private final java.util.function.BooleanSupplier mirrorReady;

  WatchService(CacheWire wire, ResponseHeaders headers, Forwarder forwarder, AuthGuard auth, int fragmentBytes,
      long bufferBytes, ReadPermissions permissions, Duration recheckEvery,
      java.util.function.BooleanSupplier mirrorReady) {
    this.permissions = permissions;
    this.mirrorReady = mirrorReady;
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
    // Registered with WatchMethod's descriptor: its marshaller writes responses encoded once for
    // many streams (SharedEncodings) as they are; forwarded calls still relay etcd's WatchResponses.
    ServerCallHandler<WatchRequest, Object> cached = ServerCalls.asyncBidiStreamingCall(this::watch);
    ServerCallHandler<WatchRequest, Object> refused = ServerCalls.asyncBidiStreamingCall(this::refusedWatch);
    ServerCallHandler<WatchRequest, Object> forwarded = forwarder.handler();
    // A certificate-only caller (CallerCertificate) is served as a token caller, its CN checked;
    // forwarded whole, its stream reaches etcd as that CN (CallerChannels).
    ServerCallHandler<WatchRequest, Object> handler = (call, md) ->
        TokenRelay.carriesToken(md) ? (mirrorReady.getAsBoolean() ? cached : forwarded).startCall(call, md)
            : auth.servesTokenless() ? cached.startCall(call, md)
            : CallerCertificate.commonName() != null
                ? (mirrorReady.getAsBoolean() ? cached : forwarded).startCall(call, md)
            : auth.refusesTokenless() ? refused.startCall(call, md)
            : forwarded.startCall(call, md);
    return forwarder.service(WatchMethod.SERVICE, Map.of(WatchMethod.WATCH.getFullMethodName(), handler));
  }

  /** Event responses sent joined to the one before them because their client was behind (tests, status). */
  long joinedResponses() {
    return joinedResponses.sum();
  }

  /** Times a stream sent an event response another stream had encoded (tests). */
  long sharedEncodingsReused() {
    return shared.reused();
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

  private StreamObserver<WatchRequest> watch(StreamObserver<Object> responses) {
    // The stream's token, from the call's context (TokenRelay); its watches are checked with it.
    String token = TokenRelay.callerToken();
    String cn = CallerCertificate.commonName();
    ReadPermissions.Caller caller = token != null ? ReadPermissions.Caller.withToken(token)
        : cn != null && !auth.servesTokenless() ? ReadPermissions.Caller.withCertificate(cn) : null;
    return stream(responses, caller == null ? null : (key, end) -> permissions.decide(caller, key, end));
  }

  /**
   * A tokenless stream that may not be forwarded (see {@link TokenlessRefusal}): every create is
   * refused as etcd refuses a caller it knows no user of (permission denied, watch_id -1).
   */
  private StreamObserver<WatchRequest> refusedWatch(StreamObserver<Object> responses) {
    return stream(responses, (key, end) -> CompletableFuture.completedFuture(ReadPermissions.Decision.DENIED));
  }

  private StreamObserver<WatchRequest> stream(StreamObserver<Object> responses, WatchStream.Gate gate) {
    ServerCallStreamObserver<Object> call = (ServerCallStreamObserver<Object>) responses;
    WatchStream[] self = new WatchStream[1];
    self[0] = new WatchStream(wire, headers, fragmentBytes, bufferBytes, call, shared, () -> open.remove(self[0]),
        slowClientsClosed::increment, gate, joinedResponses);
    open.add(self[0]);
    return self[0];
  }
}
