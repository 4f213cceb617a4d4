package dev.etcdcache.core.watch;

import dev.etcdcache.core.mirror.MirrorFeed;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.List;

/**
 * The responses the hub itself sends (not those of an upstream watch, which pass through as etcd
 * made them): etcd's header as the mirror last saw it, at the revision the response speaks for,
 * kept in wire form ({@link WireWatchResponse}).
 *
 * <p>Thread-safe: reads the mirror's header, holds no state of its own.
 */
final class Responses {

  private final MirrorFeed source;

  Responses(MirrorFeed source) {
    this.source = source;
  }

  /** Events at {@code revision}, or a replay batch whose header is the current {@code revision}. */
  WatchResponse events(long revision, List<Event> events) {
    return build(revision, events, false);
  }

  /** The created notification, at the revision the watcher registered at. */
  WatchResponse created(long revision) {
    return build(revision, List.of(), true);
  }

  /** A progress notification: no events, header at {@code revision}. */
  WatchResponse progress(long revision) {
    return build(revision, List.of(), false);
  }

  private WatchResponse build(long revision, List<Event> events, boolean created) {
    ResponseHeader header = source.headerAt(revision);
    io.etcd.jetcd.api.WatchResponse proto = io.etcd.jetcd.api.WatchResponse.newBuilder()
        .setHeader(header)
        .setCreated(created)
        .addAllEvents(events)
        .build();
    return new WireWatchResponse(proto);
  }
}
