package dev.etcdcache.server;

import com.google.protobuf.CodedOutputStream;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
 * <p>A joined response is not copied together: it keeps its parts (each a shared encoding, often
 * written to many streams) and its {@linkplain #stream() stream} writes the last part's header and
 * then every part's events straight into gRPC's frame, so joining costs no allocation per byte.
 *
 * <p>Immutable; the bytes are never handed out for writing.
 */
final class EncodedWatchResponse {

  /** Field 11 ({@code events}), length-delimited: the tag every joinable response's events start with. */
  private static final byte EVENTS_TAG = (byte) ((WatchResponse.EVENTS_FIELD_NUMBER << 3) | 2);

  /** The encoding; for a joined response, the last part's (whose header and watch_id lead it). */
  private final byte[] bytes;
  /** Where the events start (after header and watch_id), or -1 when the response is not joinable. */
  private final int eventsAt;
  private final long watchId;
  /** A joined response's parts, in order, none of them joined itself; null for a single encoding. */
  private final EncodedWatchResponse[] parts;
  private final int size;

  private EncodedWatchResponse(byte[] bytes, int eventsAt, long watchId) {
    this.bytes = bytes;
    this.eventsAt = eventsAt;
    this.watchId = watchId;
    this.parts = null;
    this.size = bytes.length;
  }

  private EncodedWatchResponse(EncodedWatchResponse[] parts, int size) {
    EncodedWatchResponse last = parts[parts.length - 1];
    this.bytes = last.bytes;
    this.eventsAt = last.eventsAt;
    this.watchId = last.watchId;
    this.parts = parts;
    this.size = size;
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
   * watch_id. Every part must be {@linkplain #joinable() joinable} and of one watch; a part may be
   * a joined response itself.
   */
  static EncodedWatchResponse joined(List<EncodedWatchResponse> parts) {
    EncodedWatchResponse last = parts.get(parts.size() - 1);
    int count = 0;
    for (EncodedWatchResponse p : parts) {
      if (!p.joinable() || p.watchId != last.watchId) {
        throw new IllegalArgumentException("not an events-only response of watch " + last.watchId);
      }
      count += p.parts == null ? 1 : p.parts.length;
    }
    EncodedWatchResponse[] flat = new EncodedWatchResponse[count];
    int i = 0;
    for (EncodedWatchResponse p : parts) {
      if (p.parts == null) {
        flat[i++] = p;
      } else {
        System.arraycopy(p.parts, 0, flat, i, p.parts.length);
        i += p.parts.length;
      }
    }
    return new EncodedWatchResponse(flat, joinedSize(parts));
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
    return eventsAt < 0 ? 0 : size - eventsAt;
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
    return size;
  }

  /** A fresh stream over the bytes, with a known length and a direct drain (no extra copy in gRPC's framer). */
  InputStream stream() {
    return parts == null ? new Stream(bytes) : new JoinedStream(this);
  }

  /** The message these bytes encode (tests). */
  WatchResponse decode() throws IOException {
    return WatchResponse.parseFrom(stream());
  }

  /** Writes the response's bytes to {@code target}: for a joined one, the last header, then every part's events. */
  private void writeTo(OutputStream target) throws IOException {
    if (parts == null) {
      target.write(bytes);
      return;
    }
    target.write(bytes, 0, eventsAt);
    for (EncodedWatchResponse p : parts) {
      target.write(p.bytes, p.eventsAt, p.bytes.length - p.eventsAt);
    }
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

  /**
   * A joined response's bytes: drained straight from its parts (what gRPC's framer does); read
   * byte-wise only by a reader that does not drain, from one copy made then.
   */
  private static final class JoinedStream extends InputStream implements KnownLength, Drainable {
    private final EncodedWatchResponse response;
    private ByteArrayInputStream copy;
    private boolean drained;

    JoinedStream(EncodedWatchResponse response) {
      this.response = response;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (copy != null) {
        return (int) copy.transferTo(target);
      }
      if (drained) {
        return 0;
      }
      drained = true;
      response.writeTo(target);
      return response.size;
    }

    @Override
    public int available() {
      return copy != null ? copy.available() : drained ? 0 : response.size;
    }

    @Override
    public int read() throws IOException {
      return copied().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return copied().read(b, off, len);
    }

    private ByteArrayInputStream copied() throws IOException {
      if (copy == null) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(drained ? 0 : response.size);
        if (!drained) {
          response.writeTo(out);
        }
        drained = true;
        copy = new ByteArrayInputStream(out.toByteArray());
      }
      return copy;
    }
  }
}
