package dev.etcdcache.core.watch;

import dev.etcdcache.core.consistency.RevisionProbe;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.options.WatchOption;
import java.util.concurrent.CompletableFuture;

/**
 * etcd through the wrapped client, as the hub's {@link Upstream}: shared count-only probes
 * and direct watches. Thread-safe, as jetcd is.
 */
final class EtcdUpstream implements Upstream {

  private final RevisionProbe probe;
  private final Watch watch;

  EtcdUpstream(RevisionProbe probe, Watch watch) {
    this.probe = probe;
    this.watch = watch;
  }

  @Override
  public CompletableFuture<Long> probe(long revision) {
    return probe.at(revision, false).thenApply(ResponseHeader::getRevision);
  }

  @Override
  public Watch.Watcher watch(ByteSequence key, WatchOption option, Watch.Listener listener) {
    return watch.watch(key, option, listener);
  }
}
