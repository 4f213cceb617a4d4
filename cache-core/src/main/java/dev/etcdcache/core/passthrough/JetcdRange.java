package dev.etcdcache.core.passthrough;

import dev.etcdcache.core.wire.WireForm;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;


/**
 * Sends a wire-form {@link RangeRequest} to etcd through a jetcd {@link KV} and gives back etcd's
 * answer in wire form, translated by {@link WireForm}.
 *
 * <p>Failures are jetcd's, unchanged (the gRPC status exception as it arrived).
 */
public final class JetcdRange implements Function<RangeRequest, CompletableFuture<RangeResponse>> {

  private final KV kv;

  public JetcdRange(KV kv) {
    this.kv = kv;
  }

  @Override
  public CompletableFuture<RangeResponse> apply(RangeRequest request) {
    return kv.get(ByteSequence.from(request.getKey()), WireForm.getOption(request))
        .thenApply(WireForm::rangeResponse);
  }
}
