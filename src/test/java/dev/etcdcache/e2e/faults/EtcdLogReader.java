package dev.etcdcache.e2e.faults;

import dev.etcdcache.e2e.history.EtcdRevision;
import dev.etcdcache.e2e.history.History;
import dev.etcdcache.e2e.history.Mutation;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads etcd's own log of a key prefix back with a fresh watch straight to etcd (no cache, no
 * fault in between): every revision in {@code (from, to]} with its changes in etcd's order. This is
 * the truth the checker resolves writes of unknown outcome against.
 */
final class EtcdLogReader {
  private EtcdLogReader() {}

  static List<EtcdRevision> read(Client direct, String prefix, long after, long to) throws Exception {
    List<EtcdRevision> log = new ArrayList<>();
    if (to <= after) {
      return log;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    List<Mutation> current = new ArrayList<>();
    long[] currentRevision = {0};
    ByteSequence key = ByteSequence.from(prefix, StandardCharsets.ISO_8859_1);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(after + 1).build();
    Watch.Listener listener = Watch.listener(response -> {
      synchronized (log) {
        for (WatchEvent e : response.getEvents()) {
          long rev = e.getKeyValue().getModRevision();
          if (rev > to) {
            break;
          }
          if (rev != currentRevision[0] && !current.isEmpty()) {
            log.add(new EtcdRevision(currentRevision[0], current));
            current.clear();
          }
          currentRevision[0] = rev;
          String k = e.getKeyValue().getKey().toString(StandardCharsets.ISO_8859_1);
          current.add(e.getEventType() == WatchEvent.EventType.DELETE ? Mutation.delete(k)
              : Mutation.put(k, History.digest(e.getKeyValue().getValue().getBytes())));
        }
        if (currentRevision[0] >= to) {
          done.complete(null);
        }
      }
    }, done::completeExceptionally);
    try (Watch.Watcher watcher = direct.getWatchClient().watch(key, option, listener)) {
      done.get(120, TimeUnit.SECONDS);
    }
    synchronized (log) {
      if (!current.isEmpty()) {
        log.add(new EtcdRevision(currentRevision[0], current));
      }
      return List.copyOf(log);
    }
  }
}
