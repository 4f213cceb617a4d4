package dev.etcdcache.core.watch;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.util.concurrent.CompletableFuture;

/**
 * What the hub needs of etcd: revision checks and direct watches. {@link EtcdUpstream} is the
 * wrapped client's; tests use a fake. Implementations are thread-safe.
 */
interface Upstream {

  /** etcd's revision, from a count-only read at {@code revision} (0 = latest); fails as etcd does. */
  CompletableFuture<Long> probe(long revision);

  /** A direct watch on etcd; its callbacks arrive on jetcd's threads. */
  Watch.Watcher watch(ByteSequence key, WatchOption option, Watch.Listener listener);
}
