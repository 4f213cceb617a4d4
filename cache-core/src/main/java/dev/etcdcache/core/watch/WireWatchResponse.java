package dev.etcdcache.core.watch;

import io.etcd.jetcd.watch.WatchResponse;

/**
 * A jetcd {@link WatchResponse} that keeps the wire form it was built from, so a server can send
 * it on without rebuilding it from jetcd's getters (jetcd keeps its own copy protected).
 */
public final class WireWatchResponse extends WatchResponse {

  private final io.etcd.jetcd.api.WatchResponse wire;

  WireWatchResponse(io.etcd.jetcd.api.WatchResponse wire) {
    super(wire);
    this.wire = wire;
  }

  /** The response as etcd would put it on the wire (watch ID unset). */
  public io.etcd.jetcd.api.WatchResponse wire() {
    return wire;
  }
}
