package dev.etcdcache.core.consistency;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.passthrough.Coalescer;
import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Learns etcd's current revision, or whether a revision can still be read, with the cheapest Range
 * etcd serves: count-only on one key. A linearizable probe goes through etcd's ReadIndex, so the
 * revision it returns covers every write that completed before it was sent. Concurrent reads share
 * probes through a {@link Coalescer}: each read joins the next probe that starts after it arrived.
 * A probe at a revision fails exactly as etcd fails a read there (compacted, future revision), so
 * a read at a revision gets etcd's own error.
 *
 * <p>Thread-safe. Internal, no compatibility promise: the reads and the watch hub each hold one.
 */
public final class RevisionProbe {

  private record Key(long revision, boolean serializable) {}

  private final Function<RangeRequest, CompletableFuture<RangeResponse>> etcd;
  /**
   * The probed key. Count-only on one key does not depend on what is there, so any key works for
   * the revision; it is taken inside the mirrored ranges so that credentials allowed to read just
   * those ranges may send it (etcd checks read permission on a Range's key).
   */
  private final ByteString probeKey;
  private final Mirror mirror;
  private final Ticker ticker;
  private final StatsRecorder stats;
  private final StatsRecorder.Rpc kind;
  private final Coalescer<Key, ResponseHeader> probes = new Coalescer<>();

  /**
   * Probes sent with {@code etcd} (a Range in wire form: through the client's KV, see
   * {@link dev.etcdcache.core.passthrough.JetcdRange}, or a server's own channel), each recorded in
   * {@code stats} as an RPC of {@code kind}.
   */
  public RevisionProbe(Function<RangeRequest, CompletableFuture<RangeResponse>> etcd, Mirror mirror, Ticker ticker,
      StatsRecorder stats, StatsRecorder.Rpc kind) {
    this.etcd = etcd;
    this.stats = stats;
    this.kind = kind;
    this.mirror = mirror;
    this.ticker = ticker;
    this.probeKey = ByteString.copyFrom(mirror.probeKey().getBytes());
  }

  /** etcd's current revision, learned linearizably after this call. */
  CompletableFuture<ResponseHeader> latest() {
    return probe(new Key(0, false));
  }

  /** The header of a count-only read at {@code revision}, or etcd's failure for it. */
  public CompletableFuture<ResponseHeader> at(long revision, boolean serializable) {
    return probe(new Key(revision, serializable));
  }

  /** RPCs sent, for stats. */
  long rpcs() {
    return probes.rpcs();
  }

  private CompletableFuture<ResponseHeader> probe(Key key) {
    return probes.call(key, () -> {
      long sent = ticker.read();
      stats.recordRpc(kind);
      RangeRequest request = RangeRequest.newBuilder()
          .setKey(probeKey)
          .setCountOnly(true)
          .setRevision(key.revision())
          .setSerializable(key.serializable())
          .build();
      return etcd.apply(request).thenApply(response -> {
        ResponseHeader header = response.getHeader();
        if (!key.serializable()) {
          // A serializable answer is the member's own view, stale on a member cut off from its
          // peers: it may not confirm the mirror current (see Freshness).
          mirror.freshness().observeProbe(header, sent);
        }
        return header;
      }).whenComplete((header, failure) -> {
        if (failure != null) {
          // Denied: the credentials lost read on the mirrored ranges; memory must stop serving.
          mirror.onPermissionDenied(failure);
        }
      });
    });
  }
}
