package dev.etcdcache.core.consistency;

import dev.etcdcache.api.Ticker;
import dev.etcdcache.core.stats.StatsRecorder;
import dev.etcdcache.core.mirror.Mirror;
import dev.etcdcache.core.passthrough.Coalescer;
import dev.etcdcache.core.wire.WireForm;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.options.GetOption;
import java.util.concurrent.CompletableFuture;

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

  private final KV kv;
  /**
   * The probed key. Count-only on one key does not depend on what is there, so any key works for
   * the revision; it is taken inside the mirrored ranges so that credentials allowed to read just
   * those ranges may send it (etcd checks read permission on a Range's key).
   */
  private final ByteSequence probeKey;
  private final Mirror mirror;
  private final Ticker ticker;
  private final StatsRecorder stats;
  private final StatsRecorder.Rpc kind;
  private final Coalescer<Key, ResponseHeader> probes = new Coalescer<>();

  /** Probes over {@code kv}, each recorded in {@code stats} as an RPC of {@code kind}. */
  public RevisionProbe(KV kv, Mirror mirror, Ticker ticker, StatsRecorder stats, StatsRecorder.Rpc kind) {
    this.kv = kv;
    this.stats = stats;
    this.kind = kind;
    this.mirror = mirror;
    this.ticker = ticker;
    this.probeKey = mirror.probeKey();
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
      GetOption option = GetOption.builder()
          .withCountOnly(true)
          .withRevision(key.revision())
          .withSerializable(key.serializable())
          .build();
      return kv.get(probeKey, option).thenApply(response -> {
        ResponseHeader header = WireForm.header(response.getHeader());
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
