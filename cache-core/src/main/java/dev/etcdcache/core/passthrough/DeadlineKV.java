package dev.etcdcache.core.passthrough;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.kv.CompactResponse;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.TxnOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The KV the cache sends its own reads through (bootstrap pages, revision probes, progress checks):
 * a Get that etcd has not answered within the deadline fails with {@link
 * java.util.concurrent.TimeoutException}, so one hung RPC cannot hold the mirror's list, or every
 * linearizable read sharing a probe, forever (jetcd itself waits as long as the channel lives).
 * Only Gets are the cache's own; everything else is delegated untouched.
 *
 * <p>Thread-safe, as the delegate is.
 */
public final class DeadlineKV implements KV {

  private final KV delegate;
  private final long deadlineNanos;

  /** Gets through {@code delegate}, each given up after {@code deadline}. */
  public DeadlineKV(KV delegate, Duration deadline) {
    this.delegate = delegate;
    this.deadlineNanos = deadline.toNanos();
  }

  @Override
  public CompletableFuture<GetResponse> get(ByteSequence key) {
    return get(key, GetOption.DEFAULT);
  }

  @Override
  public CompletableFuture<GetResponse> get(ByteSequence key, GetOption option) {
    return delegate.get(key, option).orTimeout(deadlineNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public CompletableFuture<PutResponse> put(ByteSequence key, ByteSequence value) {
    return delegate.put(key, value);
  }

  @Override
  public CompletableFuture<PutResponse> put(ByteSequence key, ByteSequence value, PutOption option) {
    return delegate.put(key, value, option);
  }

  @Override
  public CompletableFuture<DeleteResponse> delete(ByteSequence key) {
    return delegate.delete(key);
  }

  @Override
  public CompletableFuture<DeleteResponse> delete(ByteSequence key, DeleteOption option) {
    return delegate.delete(key, option);
  }

  @Override
  public CompletableFuture<CompactResponse> compact(long rev) {
    return delegate.compact(rev);
  }

  @Override
  public CompletableFuture<CompactResponse> compact(long rev, CompactOption option) {
    return delegate.compact(rev, option);
  }

  @Override
  public Txn txn() {
    return delegate.txn();
  }

  @Override
  public Txn txn(TxnOption option) {
    return delegate.txn(option);
  }

  @Override
  public void close() {
    // The wrapped client owns its KV.
  }
}
