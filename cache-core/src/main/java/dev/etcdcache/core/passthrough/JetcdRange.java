package dev.etcdcache.core.passthrough;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Sends a wire-form {@link RangeRequest} to etcd through a jetcd {@link KV} and gives back etcd's
 * answer in wire form. jetcd only takes (key, {@link GetOption}) and only hands out
 * {@link GetResponse}, so both directions are translated field by field; nothing is lost (every
 * Range field has a GetOption counterpart, every response field a getter).
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
    return kv.get(ByteSequence.from(request.getKey()), option(request)).thenApply(JetcdRange::wire);
  }

  /** The GetOption jetcd turns back into {@code request}. */
  static GetOption option(RangeRequest r) {
    GetOption.Builder b = GetOption.builder()
        .withLimit(r.getLimit())
        .withRevision(r.getRevision())
        .withSerializable(r.getSerializable())
        .withKeysOnly(r.getKeysOnly())
        .withCountOnly(r.getCountOnly())
        .withMinCreateRevision(r.getMinCreateRevision())
        .withMaxCreateRevision(r.getMaxCreateRevision())
        .withMinModRevision(r.getMinModRevision())
        .withMaxModRevision(r.getMaxModRevision())
        .withSortOrder(switch (r.getSortOrder()) {
          case ASCEND -> GetOption.SortOrder.ASCEND;
          case DESCEND -> GetOption.SortOrder.DESCEND;
          default -> GetOption.SortOrder.NONE;
        })
        .withSortField(switch (r.getSortTarget()) {
          case VERSION -> GetOption.SortTarget.VERSION;
          case CREATE -> GetOption.SortTarget.CREATE;
          case MOD -> GetOption.SortTarget.MOD;
          case VALUE -> GetOption.SortTarget.VALUE;
          default -> GetOption.SortTarget.KEY;
        });
    if (!r.getRangeEnd().isEmpty()) {
      b.withRange(ByteSequence.from(r.getRangeEnd()));
    }
    return b.build();
  }

  /** etcd's RangeResponse, rebuilt from jetcd's view of it. */
  static RangeResponse wire(GetResponse response) {
    RangeResponse.Builder b = RangeResponse.newBuilder()
        .setHeader(header(response.getHeader()))
        .setMore(response.isMore())
        .setCount(response.getCount());
    for (KeyValue kv : response.getKvs()) {
      b.addKvs(keyValue(kv));
    }
    return b.build();
  }

  /** etcd's KeyValue, rebuilt from jetcd's view of it. */
  public static io.etcd.jetcd.api.KeyValue keyValue(KeyValue kv) {
    return io.etcd.jetcd.api.KeyValue.newBuilder()
        .setKey(ByteString.copyFrom(kv.getKey().getBytes()))
        .setValue(ByteString.copyFrom(kv.getValue().getBytes()))
        .setCreateRevision(kv.getCreateRevision())
        .setModRevision(kv.getModRevision())
        .setVersion(kv.getVersion())
        .setLease(kv.getLease())
        .build();
  }

  /** etcd's ResponseHeader, rebuilt from jetcd's view of it. */
  public static ResponseHeader header(Response.Header h) {
    return ResponseHeader.newBuilder()
        .setClusterId(h.getClusterId())
        .setMemberId(h.getMemberId())
        .setRevision(h.getRevision())
        .setRaftTerm(h.getRaftTerm())
        .build();
  }
}
