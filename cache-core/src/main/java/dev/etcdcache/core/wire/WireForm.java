package dev.etcdcache.core.wire;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;

/**
 * Translation between jetcd's types and etcd's wire form (its protobuf messages), in both
 * directions. jetcd takes requests as (key, option) and hands out responses through getters, and
 * keeps the wire form it had protected; every field has a counterpart, so nothing is lost either
 * way. This is the one place that knows the correspondence.
 */
public final class WireForm {

  private WireForm() {}

  /** etcd's ResponseHeader, from jetcd's view of it. */
  public static ResponseHeader header(Response.Header h) {
    return ResponseHeader.newBuilder()
        .setClusterId(h.getClusterId())
        .setMemberId(h.getMemberId())
        .setRevision(h.getRevision())
        .setRaftTerm(h.getRaftTerm())
        .build();
  }

  /** etcd's KeyValue, from jetcd's view of it. */
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

  /** etcd's RangeResponse, from jetcd's view of it. */
  public static RangeResponse rangeResponse(GetResponse response) {
    RangeResponse.Builder b = RangeResponse.newBuilder()
        .setHeader(header(response.getHeader()))
        .setMore(response.isMore())
        .setCount(response.getCount());
    for (KeyValue kv : response.getKvs()) {
      b.addKvs(keyValue(kv));
    }
    return b.build();
  }

  /** etcd's WatchResponse (watch ID unset), from jetcd's view of it. */
  public static io.etcd.jetcd.api.WatchResponse watchResponse(WatchResponse response) {
    io.etcd.jetcd.api.WatchResponse.Builder b = io.etcd.jetcd.api.WatchResponse.newBuilder()
        .setHeader(header(response.getHeader()))
        .setCreated(response.isCreatedNotify());
    for (WatchEvent e : response.getEvents()) {
      Event.Builder event = Event.newBuilder()
          .setType(e.getEventType() == WatchEvent.EventType.DELETE ? Event.EventType.DELETE : Event.EventType.PUT)
          .setKv(keyValue(e.getKeyValue()));
      if (e.getPrevKV() != null && !e.getPrevKV().getKey().isEmpty()) {
        event.setPrevKv(keyValue(e.getPrevKV()));
      }
      b.addEvents(event);
    }
    return b.build();
  }

  /** The GetOption that jetcd turns back into {@code request} (for the key {@code request.getKey()}). */
  public static GetOption getOption(RangeRequest r) {
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

  /**
   * The WatchOption for {@code request} (for the key {@code request.getKey()}), asking for the
   * created response etcd always sends on the wire.
   */
  public static WatchOption watchOption(WatchCreateRequest r) {
    WatchOption.Builder b = WatchOption.builder()
        .withRevision(r.getStartRevision())
        .withPrevKV(r.getPrevKv())
        .withProgressNotify(r.getProgressNotify())
        .withCreateNotify(true);
    for (WatchCreateRequest.FilterType filter : r.getFiltersList()) {
      if (filter == WatchCreateRequest.FilterType.NOPUT) {
        b.withNoPut(true);
      } else if (filter == WatchCreateRequest.FilterType.NODELETE) {
        b.withNoDelete(true);
      }
    }
    if (!r.getRangeEnd().isEmpty()) {
      b.withRange(ByteSequence.from(r.getRangeEnd()));
    }
    return b.build();
  }
}
