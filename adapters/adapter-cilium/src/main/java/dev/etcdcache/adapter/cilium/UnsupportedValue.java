package dev.etcdcache.adapter.cilium;

import java.util.Objects;

/**
 * A value under Cilium's layout that this adapter recognises but does not decode, kept so it is
 * counted per revision with its reason instead of being a decode failure. Endpoint slices are the
 * main case: Cilium stores them as zstd-compressed protobuf ({@code ClusterEndpointSlice}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param key the etcd key
 * @param kind the layout area, e.g. {@code endpointslices/v1}
 * @param reason why it is not decoded
 * @param size the value's size in bytes
 */
public record UnsupportedValue(String key, String kind, String reason, int size) implements CiliumObject {

  /** Checks the parts. */
  public UnsupportedValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(reason, "reason");
  }
}
