package dev.etcdcache.server;

import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.util.List;

/**
 * etcd 3.4 watch fields that jetcd 0.8.6's generated classes lack, read and written as protobuf
 * unknown fields (which protobuf-java keeps and serializes), so requests and responses stay etcd's
 * exact wire form without a copy of etcd's {@code .proto}: {@code WatchCreateRequest.watch_id} (7,
 * int64), {@code WatchCreateRequest.fragment} (8, bool) and {@code WatchResponse.fragment} (7, bool).
 */
enum MissingFields {
  ;

  private static final int CREATE_WATCH_ID = 7;
  private static final int CREATE_FRAGMENT = 8;
  private static final int RESPONSE_FRAGMENT = 7;

  /** The client-chosen watch ID, 0 when unset (etcd: 0 = assign one). */
  static long watchId(WatchCreateRequest r) {
    return lastVarint(r.getUnknownFields(), CREATE_WATCH_ID);
  }

  /** Whether the client asked for fragmented responses. */
  static boolean fragment(WatchCreateRequest r) {
    return lastVarint(r.getUnknownFields(), CREATE_FRAGMENT) != 0;
  }

  /** Whether {@code r} is a fragment with more to follow. */
  static boolean fragment(WatchResponse r) {
    return lastVarint(r.getUnknownFields(), RESPONSE_FRAGMENT) != 0;
  }

  /** {@code b} with {@code fragment} set (true) or cleared (false). */
  static WatchResponse.Builder setFragment(WatchResponse.Builder b, boolean fragment) {
    UnknownFieldSet.Builder u = UnknownFieldSet.newBuilder(b.getUnknownFields());
    u.clearField(RESPONSE_FRAGMENT);
    if (fragment) {
      u.addField(RESPONSE_FRAGMENT, UnknownFieldSet.Field.newBuilder().addVarint(1).build());
    }
    return b.setUnknownFields(u.build());
  }

  /** A create request with a client-chosen watch ID (tests and clients of this module's tests). */
  static WatchCreateRequest withWatchId(WatchCreateRequest r, long id) {
    UnknownFieldSet.Builder u = UnknownFieldSet.newBuilder(r.getUnknownFields());
    u.clearField(CREATE_WATCH_ID);
    u.addField(CREATE_WATCH_ID, UnknownFieldSet.Field.newBuilder().addVarint(id).build());
    return r.toBuilder().setUnknownFields(u.build()).build();
  }

  /** A create request asking for fragmented responses. */
  static WatchCreateRequest withFragment(WatchCreateRequest r) {
    UnknownFieldSet.Builder u = UnknownFieldSet.newBuilder(r.getUnknownFields());
    u.clearField(CREATE_FRAGMENT);
    u.addField(CREATE_FRAGMENT, UnknownFieldSet.Field.newBuilder().addVarint(1).build());
    return r.toBuilder().setUnknownFields(u.build()).build();
  }

  private static long lastVarint(UnknownFieldSet fields, int number) {
    if (!fields.hasField(number)) {
      return 0;
    }
    List<Long> v = fields.getField(number).getVarintList();
    return v.isEmpty() ? 0 : v.get(v.size() - 1);
  }
}
