package dev.etcdcache.server;

import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.IOException;

/**
 * A WatchResponse already serialized: the exact bytes protobuf-java writes for it (the same
 * {@code writeTo} gRPC's protobuf marshaller calls), so one encoding can be written to many
 * streams. {@link WatchMethod}'s marshaller sends the bytes as they are.
 *
 * <p>Immutable; the bytes are never handed out for writing.
 */
final class EncodedWatchResponse {

  private final byte[] bytes;

  private EncodedWatchResponse(byte[] bytes) {
    this.bytes = bytes;
  }

  static EncodedWatchResponse of(WatchResponse response) {
    return new EncodedWatchResponse(response.toByteArray());
  }

  /** Serialized size in bytes. */
  int size() {
    return bytes.length;
  }

  /** A fresh stream over the bytes, with a known length and a direct drain (no extra copy in gRPC's framer). */
  InputStream stream() {
    return new Stream(bytes);
  }

  /** The message these bytes encode (tests). */
  WatchResponse decode() throws IOException {
    return WatchResponse.parseFrom(bytes);
  }

  private static final class Stream extends ByteArrayInputStream implements KnownLength, Drainable {
    Stream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
