package dev.etcdcache.core;

import dev.etcdcache.api.ReadConsistency;
import dev.etcdcache.core.consistency.CachedReads;
import dev.etcdcache.core.mirror.Mirror;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.support.Requests;
import io.etcd.jetcd.kv.CompactResponse;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.TxnOption;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * A drop-in jetcd {@link KV} whose Gets are answered from the mirror with etcd's exact semantics:
 * same kvs, count, more and header revision, same errors (a failed future holding the
 * {@code io.grpc.StatusRuntimeException} jetcd would give, e.g. for a compacted or future revision).
 *
 * <p>A Get is linearizable unless marked serializable, as in etcd (the client's default consistency
 * may relax this). Puts, deletes, txns and compactions go to etcd unchanged; the revision they
 * return is remembered so that this client's later reads observe them (read-your-writes). Gets the
 * mirror cannot answer exactly (ranges outside the mirrored prefixes, an empty key, revisions the
 * mirror no longer holds) go to etcd too, with identical concurrent ones sharing one RPC.
 *
 * <p>Thread-safe; nothing blocks. Null arguments throw {@link NullPointerException} at once, with
 * jetcd's messages.
 */
public final class CachingKV implements KV {

  private final KV delegate;
  private final CachedReads reads;
  private final Mirror mirror;

  CachingKV(KV delegate, CachedReads reads, Mirror mirror) {
    this.delegate = delegate;
    this.reads = reads;
    this.mirror = mirror;
  }

  @Override
  public CompletableFuture<GetResponse> get(ByteSequence key) {
    return get(key, GetOption.DEFAULT);
  }

  @Override
  public CompletableFuture<GetResponse> get(ByteSequence key, GetOption option) {
    requireNonNull(key, "key should not be null");
    requireNonNull(option, "option should not be null");
    return reads.range(Requests.mapRangeRequest(key, option, ByteSequence.EMPTY)).thenApply(CachingKV::jetcd);
  }

  /**
   * A Get served with an explicit consistency, overriding both the client's default and the
   * option's serializable flag.
   */
  public CompletableFuture<GetResponse> get(ByteSequence key, GetOption option, ReadConsistency consistency) {
    requireNonNull(key, "key should not be null");
    requireNonNull(option, "option should not be null");
    requireNonNull(consistency, "consistency should not be null");
    return reads.range(Requests.mapRangeRequest(key, option, ByteSequence.EMPTY), consistency)
        .thenApply(CachingKV::jetcd);
  }

  private static GetResponse jetcd(RangeResponse response) {
    return new GetResponse(response, ByteSequence.EMPTY);
  }

  @Override
  public CompletableFuture<PutResponse> put(ByteSequence key, ByteSequence value) {
    return put(key, value, PutOption.DEFAULT);
  }

  @Override
  public CompletableFuture<PutResponse> put(ByteSequence key, ByteSequence value, PutOption option) {
    return observed(delegate.put(key, value, option));
  }

  @Override
  public CompletableFuture<DeleteResponse> delete(ByteSequence key) {
    return delete(key, DeleteOption.DEFAULT);
  }

  @Override
  public CompletableFuture<DeleteResponse> delete(ByteSequence key, DeleteOption option) {
    return observed(delegate.delete(key, option));
  }

  @Override
  public CompletableFuture<CompactResponse> compact(long rev) {
    return compact(rev, CompactOption.DEFAULT);
  }

  @Override
  public CompletableFuture<CompactResponse> compact(long rev, CompactOption option) {
    return delegate.compact(rev, option).thenApply(r -> {
      mirror.freshness().observeCompaction(rev);
      return r;
    });
  }

  @Override
  public Txn txn() {
    return new RecordingTxn(delegate.txn());
  }

  @Override
  public Txn txn(TxnOption option) {
    return new RecordingTxn(delegate.txn(option));
  }

  @Override
  public void close() {
    // The wrapped client owns its KV; closing the cache does not close it.
  }

  /** Remembers the revision a write committed at, so this client's later reads observe it. */
  private <R extends Response> CompletableFuture<R> observed(CompletableFuture<R> write) {
    return write.thenApply(r -> {
      reads.observeRevision(r.getHeader().getRevision());
      return r;
    });
  }

  /** A pass-through txn that remembers the revision it committed at, for read-your-writes. */
  private final class RecordingTxn implements Txn {
    private final Txn txn;

    RecordingTxn(Txn txn) {
      this.txn = txn;
    }

    @Override
    public Txn If(Cmp... cmps) {
      txn.If(cmps);
      return this;
    }

    @Override
    public Txn Then(Op... ops) {
      txn.Then(ops);
      return this;
    }

    @Override
    public Txn Else(Op... ops) {
      txn.Else(ops);
      return this;
    }

    @Override
    public CompletableFuture<TxnResponse> commit() {
      return observed(txn.commit());
    }
  }
}
