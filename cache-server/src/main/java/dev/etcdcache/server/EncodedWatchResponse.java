package dev.etcdcache.server;

import com.google.protobuf.CodedOutputStream;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.IOException;
import java.util.List;

/**
 * A WatchResponse already serialized: the exact bytes protobuf-java writes for it (the same
 * {@code writeTo} gRPC's protobuf marshaller calls), so one encoding can be written to many
 * streams. {@link WatchMethod}'s marshaller sends the bytes as they are.
 *
 * <p>A response that carries only events for a watch (no created, canceled, compaction, cancel
 * reason or fragment flag) is <em>joinable</em>: protobuf-java writes its fields in field-number
 * order, so its bytes are the header and watch_id (fields 1, 2) followed by the events (field 11),
 * and {@link #joined} writes several such responses of one watch as the one response carrying all
 * their events under the last one's header, byte for byte what protobuf-java would write for that
 * message, without decoding or re-encoding an event.
 *
 * <p>Immutable; the bytes are never handed out for writing.
 */
final class EncodedWatchResponse {

  /** Field 11 ({@code events}), length-delimited: the tag every joinable response's events start with. */
  private static final byte EVENTS_TAG = (byte) ((WatchResponse.EVENTS_FIELD_NUMBER << 3) | 2);

  private final byte[] bytes;
  /** Where the events start (after header and watch_id), or -1 when the response is not joinable. */
  private final int eventsAt;
  private final long watchId;

  private EncodedWatchResponse(byte[] bytes, int eventsAt, long watchId) {
    this.bytes = bytes;
    this.eventsAt = eventsAt;
    this.watchId = watchId;
  }

  static EncodedWatchResponse of(WatchResponse response) {
    byte[] bytes = response.toByteArray();
    return new EncodedWatchResponse(bytes, eventsAt(response, bytes), response.getWatchId());
  }

  /** {@code response} encoded and never joined with another (a fragment of a revision). */
  static EncodedWatchResponse alone(WatchResponse response) {
    return new EncodedWatchResponse(response.toByteArray(), -1, response.getWatchId());
  }

  /**
   * The one response carrying the events of {@code parts} in order under the last part's header and
   * watch_id. Every part must be {@linkplain #joinable() joinable} and of one watch.
   */
  static EncodedWatchResponse joined(List<EncodedWatchResponse> parts) {
    EncodedWatchResponse last = parts.get(parts.size() - 1);
    int size = joinedSize(parts);
    byte[] out = new byte[size];
    System.arraycopy(last.bytes, 0, out, 0, last.eventsAt);
    int at = last.eventsAt;
    for (EncodedWatchResponse p : parts) {
      if (!p.joinable() || p.watchId != last.watchId) {
        throw new IllegalArgumentException("not an events-only response of watch " + last.watchId);
      }
      int n = p.bytes.length - p.eventsAt;
      System.arraycopy(p.bytes, p.eventsAt, out, at, n);
      at += n;
    }
    return new EncodedWatchResponse(out, last.eventsAt, last.watchId);
  }

  /** Size of {@link #joined}{@code (parts)}. */
  static int joinedSize(List<EncodedWatchResponse> parts) {
    EncodedWatchResponse last = parts.get(parts.size() - 1);
    int size = last.eventsAt;
    for (EncodedWatchResponse p : parts) {
      size += p.eventsSize();
    }
    return size;
  }

  /** Whether this response carries only events (see the class comment), so it may be joined with its watch's next. */
  boolean joinable() {
    return eventsAt >= 0;
  }

  /** The response's watch_id. */
  long watchId() {
    return watchId;
  }

  /** Bytes of the events part (0 when not joinable). */
  int eventsSize() {
    return eventsAt < 0 ? 0 : bytes.length - eventsAt;
  }

  /**
   * Where {@code r}'s events start in its encoding {@code bytes}, or -1 if it is not an events-only
   * response. Checked against the bytes (the events tag must be there and the events must run to
   * the end), so a field this class does not know of can only make a response unjoinable.
   */
  private static int eventsAt(WatchResponse r, byte[] bytes) {
    if (r.getEventsCount() == 0 || r.getCreated() || r.getCanceled() || r.getCompactRevision() != 0
        || !r.getCancelReason().isEmpty() || r.getUnknownFields().getSerializedSize() != 0) {
      return -1;
    }
    int events = 0;
    for (Event e : r.getEventsList()) {
      events += CodedOutputStream.computeMessageSize(WatchResponse.EVENTS_FIELD_NUMBER, e);
    }
    int at = bytes.length - events;
    int prefix = (r.hasHeader() ? CodedOutputStream.computeMessageSize(WatchResponse.HEADER_FIELD_NUMBER, r.getHeader()) : 0)
        + (r.getWatchId() != 0 ? CodedOutputStream.computeInt64Size(WatchResponse.WATCH_ID_FIELD_NUMBER, r.getWatchId()) : 0);
    return at == prefix && at < bytes.length && bytes[at] == EVENTS_TAG ? at : -1;
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
