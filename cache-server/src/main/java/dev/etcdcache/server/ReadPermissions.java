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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Whether etcd lets the holder of an auth token read a key range, asked of etcd itself so the
 * answer has etcd's semantics exactly (key and range grants, prefix grants, read vs write, the root
 * role, auth revisions, expired or forged tokens).
 *
 * <p>How: a serializable, count-only Range on the caller's {@code [key, range_end)} at a revision
 * in the far future, sent with the caller's token (or, for a caller without one, over connections
 * presenting a certificate for its client certificate's CN: {@link CallerChannels}). etcd checks
 * the token (or CN) and the read permission on that range before it looks at the revision, so it answers PERMISSION_DENIED (or its token
 * error) when the caller may not read, and "required revision is a future revision" when it may;
 * the latter costs etcd no index walk and returns no data. Only a "may read" is remembered, per
 * (token, key, range end), for {@code ttl}: a revoked permission or a deleted user can go unnoticed
 * for at most that long plus one round trip. Anything else is not remembered, so the call goes to
 * etcd, which gives its own error.
 *
 * <p>So that point reads over many keys do not cost one check per key, a request inside one of the
 * mirrored ranges first asks about that whole range: a token that may read all of it may read every
 * request inside it (etcd's permissions are intervals, so this is exact), and one remembered
 * decision then covers them all. When it may not, the request's own range is asked.
 *
 * <p>Tokens are held only in memory, as map keys; they are never logged. Thread-safe.
 */
final class ReadPermissions {

  /** A revision etcd never reaches: etcd refuses it after the permission check, before any read. */
  private static final long FUTURE = Long.MAX_VALUE;
  /** Past this many remembered decisions the memory is dropped whole (a bound, not a policy). */
  private static final int MAX_ENTRIES = 100_000;
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  /** etcd's answer to "may this token read this range". */
  enum Decision {
    /** etcd would serve the read. */
    ALLOWED,
    /** etcd refused: the token's user has no read permission on the range. */
    DENIED,
    /** etcd refused the token itself: forged, expired, or its user deleted (UNAUTHENTICATED). */
    INVALID_TOKEN,
    /** No answer from etcd (unreachable, timed out): nothing is known. */
    UNKNOWN
  }

  /**
   * Who asks: a caller's auth token, or (no token) the common name of its client certificate,
   * which etcd's {@code --client-cert-auth} takes as its user. Two kinds, never confused: a token
   * that spells a CN is still a token.
   */
  record Caller(String token, String commonName) {
    /** A caller with an auth token. */
    static Caller withToken(String token) {
      return new Caller(java.util.Objects.requireNonNull(token), null);
    }

    /** A caller without a token whose verified client certificate has {@code commonName}. */
    static Caller withCertificate(String commonName) {
      return new Caller(null, java.util.Objects.requireNonNull(commonName));
    }

    @Override
    public String toString() {
      return token != null ? "Caller[token hidden]" : "Caller[CN " + commonName + "]"; // never print a token
    }
  }

  private record Key(Caller caller, ByteString key, ByteString rangeEnd) {
    @Override
    public String toString() {
      return "Key[" + caller + "]"; // never print a token
    }
  }

  private final Channel upstream;
  /** Connections acting as a CN toward etcd; null: no certificate-only callers are checked. */
  private final CallerChannels callers;
  private final List<ByteString[]> mirrored;
  private final long ttlNanos;
  private final ConcurrentHashMap<Key, Long> allowedUntil = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, CompletableFuture<Decision>> inFlight = new ConcurrentHashMap<>();
  /** Tokens that may not read a whole mirrored range, so its requests go straight to their exact check. */
  private final ConcurrentHashMap<Key, Long> notAllUntil = new ConcurrentHashMap<>();

  /**
   * Checks sent over {@code upstream} (a channel that sends no token of its own), remembered for
   * {@code ttl}; {@code mirroredPrefixes} are the server's prefixes (empty: the whole keyspace);
   * certificate-only callers are asked over {@code callers} (null: none are).
   */
  ReadPermissions(Channel upstream, CallerChannels callers, Duration ttl, List<String> mirroredPrefixes) {
    this.upstream = upstream;
    this.callers = callers;
    this.ttlNanos = ttl.toNanos();
    List<ByteString[]> ranges = new ArrayList<>();
    for (String p : mirroredPrefixes) {
      ByteString key = ByteString.copyFromUtf8(p);
      ranges.add(new ByteString[] {key, prefixEnd(key)});
    }
    if (ranges.isEmpty()) {
      ranges.add(new ByteString[] {ZERO, ZERO});
    }
    this.mirrored = List.copyOf(ranges);
  }

  /**
   * Whether {@code token} may read {@code [key, rangeEnd)}: true at once when a mirrored range
   * covering it is known to be readable; otherwise the covering range is asked, then the exact one.
   */
  CompletableFuture<Boolean> mayRead(String token, ByteString key, ByteString rangeEnd) {
    return decide(token, key, rangeEnd).thenApply(d -> d == Decision.ALLOWED);
  }

  /** As {@link #mayRead(String, ByteString, ByteString)}, for any kind of caller. */
  CompletableFuture<Boolean> mayRead(Caller caller, ByteString key, ByteString rangeEnd) {
    return decide(caller, key, rangeEnd).thenApply(d -> d == Decision.ALLOWED);
  }

  /** As {@link #mayRead}, telling a refusal by etcd from no answer. */
  CompletableFuture<Decision> decide(String token, ByteString key, ByteString rangeEnd) {
    return decide(Caller.withToken(token), key, rangeEnd);
  }

  /** As {@link #decide(String, ByteString, ByteString)}, for any kind of caller. */
  CompletableFuture<Decision> decide(Caller token, ByteString key, ByteString rangeEnd) {
    ByteString[] covering = covering(key, rangeEnd);
    if (covering == null || (covering[0].equals(key) && covering[1].equals(rangeEnd))) {
      return mayReadExactly(token, key, rangeEnd);
    }
    Key whole = new Key(token, covering[0], covering[1]);
    Long notAll = notAllUntil.get(whole);
    if (notAll != null && notAll - System.nanoTime() > 0) {
      return mayReadExactly(token, key, rangeEnd);
    }
    long asked = System.nanoTime();
    return mayReadExactly(token, covering[0], covering[1]).thenCompose(all -> {
      if (all == Decision.ALLOWED) {
        return CompletableFuture.completedFuture(all);
      }
      // Safe to remember: a "no" here only sends requests to their own, exact check.
      bounded(notAllUntil).put(whole, asked + ttlNanos);
      return mayReadExactly(token, key, rangeEnd);
    });
  }

  /** The mirrored range holding all of {@code [key, rangeEnd)}, or null. */
  private ByteString[] covering(ByteString key, ByteString rangeEnd) {
    for (ByteString[] r : mirrored) {
      boolean openEnded = r[1].equals(ZERO);
      boolean startInside = compare(key, r[0]) >= 0 && (openEnded || compare(key, r[1]) < 0);
      boolean endInside = rangeEnd.isEmpty() || openEnded
          || (!rangeEnd.equals(ZERO) && compare(rangeEnd, r[1]) <= 0);
      if (startInside && endInside) {
        return r;
      }
    }
    return null;
  }

  private static int compare(ByteString a, ByteString b) {
    return ByteString.unsignedLexicographicalComparator().compare(a, b);
  }

  /** etcd's prefix end: the prefix with its last byte below 0xff incremented; "\0" when there is none. */
  private static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ZERO;
  }

  /**
   * Completes with ALLOWED when etcd lets {@code token} read {@code [key, rangeEnd)}; DENIED when
   * it refuses; UNKNOWN when the check got no answer.
   */
  private CompletableFuture<Decision> mayReadExactly(Caller token, ByteString key, ByteString rangeEnd) {
    Key k = new Key(token, key, rangeEnd);
    Long until = allowedUntil.get(k);
    long now = System.nanoTime();
    if (until != null && until - now > 0) {
      return CompletableFuture.completedFuture(Decision.ALLOWED);
    }
    // Concurrent callers of one token and range share one check in flight (when a decision
    // expires under load, every connection would otherwise ask at once).
    CompletableFuture<Decision> mine = new CompletableFuture<>();
    CompletableFuture<Decision> shared = inFlight.putIfAbsent(k, mine);
    if (shared != null) {
      return shared;
    }
    mine.whenComplete((allowed, failure) -> inFlight.remove(k, mine));
    ask(k, now, mine);
    return mine;
  }

  private void ask(Key k, long now, CompletableFuture<Decision> result) {
    ByteString key = k.key();
    ByteString rangeEnd = k.rangeEnd();
    RangeRequest probe = RangeRequest.newBuilder().setKey(key).setRangeEnd(rangeEnd).setRevision(FUTURE)
        .setSerializable(true).setCountOnly(true).build();
    KVGrpc.KVStub stub;
    String token = k.caller().token();
    if (token != null) {
      Metadata md = new Metadata();
      md.put(TokenRelay.TOKEN, token);
      stub = KVGrpc.newStub(upstream).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    } else if (callers != null) {
      // No token: etcd takes the CN of the certificate these connections present as the user.
      try {
        stub = KVGrpc.newStub(callers.channel(k.caller().commonName()));
      } catch (RuntimeException closingOrUnissued) {
        result.complete(Decision.UNKNOWN);
        return;
      }
    } else {
      result.complete(Decision.UNKNOWN);
      return;
    }
    stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .range(probe, new StreamObserver<RangeResponse>() {
          @Override
          public void onNext(RangeResponse value) {
            // Not expected (the revision is in the future), but etcd served it, so it may read.
            remember(k, now);
            result.complete(Decision.ALLOWED);
          }

          @Override
          public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            boolean allowed = s.getCode() == Status.Code.OUT_OF_RANGE && s.getDescription() != null
                && s.getDescription().contains("future revision");
            if (allowed) {
              remember(k, now);
              result.complete(Decision.ALLOWED);
              return;
            }
            result.complete(switch (s.getCode()) {
              case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN, ABORTED ->
                  Decision.UNKNOWN;
              case UNAUTHENTICATED -> Decision.INVALID_TOKEN;
              default -> Decision.DENIED;
            });
          }

          @Override
          public void onCompleted() {
            result.complete(Decision.UNKNOWN); // no-op if already completed
          }
        });
  }

  private void remember(Key k, long checkedAt) {
    // Counted from when the check was sent: etcd's answer may be that old.
    bounded(allowedUntil).put(k, checkedAt + ttlNanos);
  }

  private static ConcurrentHashMap<Key, Long> bounded(ConcurrentHashMap<Key, Long> map) {
    if (map.size() >= MAX_ENTRIES) {
      map.clear();
    }
    return map;
  }
}
