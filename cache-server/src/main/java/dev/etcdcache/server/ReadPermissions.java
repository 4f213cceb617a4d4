package dev.etcdcache.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Whether etcd lets the holder of an auth token read a key range, asked of etcd itself so the
 * answer has etcd's semantics exactly (key and range grants, prefix grants, read vs write, the root
 * role, auth revisions, expired or forged tokens).
 *
 * <p>How: a serializable, count-only Range on the caller's {@code [key, range_end)} at a revision
 * in the far future, sent with the caller's token. etcd checks the token and the read permission
 * on that range before it looks at the revision, so it answers PERMISSION_DENIED (or its token
 * error) when the caller may not read, and "required revision is a future revision" when it may;
 * the latter costs etcd no index walk and returns no data. Only a "may read" is remembered, per
 * (token, key, range end), for {@code ttl}: a revoked permission or a deleted user can go unnoticed
 * for at most that long plus one round trip. Anything else is not remembered, so the call goes to
 * etcd, which gives its own error.
 *
 * <p>Tokens are held only in memory, as map keys; they are never logged. Thread-safe.
 */
final class ReadPermissions {

  /** A revision etcd never reaches: etcd refuses it after the permission check, before any read. */
  private static final long FUTURE = Long.MAX_VALUE;
  /** Past this many remembered decisions the memory is dropped whole (a bound, not a policy). */
  private static final int MAX_ENTRIES = 100_000;

  private record Key(String token, ByteString key, ByteString rangeEnd) {
    @Override
    public String toString() {
      return "Key[token hidden]"; // never print a token
    }
  }

  private final Channel upstream;
  private final long ttlNanos;
  private final ConcurrentHashMap<Key, Long> allowedUntil = new ConcurrentHashMap<>();

  /** Checks sent over {@code upstream} (a channel that sends no token of its own), remembered for {@code ttl}. */
  ReadPermissions(Channel upstream, Duration ttl) {
    this.upstream = upstream;
    this.ttlNanos = ttl.toNanos();
  }

  /**
   * Completes with true when etcd lets {@code token} read {@code [key, rangeEnd)}; false when it
   * refuses or the check fails in any way (the caller then forwards the request to etcd).
   */
  CompletableFuture<Boolean> mayRead(String token, ByteString key, ByteString rangeEnd) {
    Key k = new Key(token, key, rangeEnd);
    Long until = allowedUntil.get(k);
    long now = System.nanoTime();
    if (until != null && until - now > 0) {
      return CompletableFuture.completedFuture(true);
    }
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    Metadata md = new Metadata();
    md.put(TokenRelay.TOKEN, token);
    RangeRequest probe = RangeRequest.newBuilder().setKey(key).setRangeEnd(rangeEnd).setRevision(FUTURE)
        .setSerializable(true).setCountOnly(true).build();
    KVGrpc.newStub(upstream).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .range(probe, new StreamObserver<RangeResponse>() {
          @Override
          public void onNext(RangeResponse value) {
            // Not expected (the revision is in the future), but etcd served it, so it may read.
            remember(k, now);
            result.complete(true);
          }

          @Override
          public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            boolean allowed = s.getCode() == Status.Code.OUT_OF_RANGE && s.getDescription() != null
                && s.getDescription().contains("future revision");
            if (allowed) {
              remember(k, now);
            }
            result.complete(allowed);
          }

          @Override
          public void onCompleted() {
            result.complete(false); // no-op if already completed
          }
        });
    return result;
  }

  private void remember(Key k, long checkedAt) {
    if (allowedUntil.size() >= MAX_ENTRIES) {
      allowedUntil.clear();
    }
    // Counted from when the check was sent: etcd's answer may be that old.
    allowedUntil.put(k, checkedAt + ttlNanos);
  }
}
