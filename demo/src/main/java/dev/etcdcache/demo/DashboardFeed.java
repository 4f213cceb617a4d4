package dev.etcdcache.demo;

import dev.etcdcache.demo.load.KeySet;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@code --dashboard-feed} adds while the cache is measured, so the dashboard's watch and
 * freshness panels have something to show: watchers served by the cache (a few on the whole demo
 * prefix, the rest on single keys) and a steady trickle of writes through the wrapped client, whose
 * events the cache applies and fans out. Everything it starts, {@link #close()} ends.
 */
final class DashboardFeed implements AutoCloseable {

  static final int WATCHERS = 200;
  static final int WRITES_PER_SECOND = 20;

  private final List<Watch.Watcher> watchers = new ArrayList<>();
  private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "demo-dashboard-writer");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong events = new AtomicLong();
  private final AtomicInteger writes = new AtomicInteger();

  private DashboardFeed() {}

  /** Opens the watchers on {@code watch} and starts writing through {@code direct}. */
  static DashboardFeed start(Watch watch, KV direct, KeySet keys) {
    DashboardFeed feed = new DashboardFeed();
    Watch.Listener count = Watch.listener(response -> feed.events.addAndGet(response.getEvents().size()));
    for (int i = 0; i < WATCHERS; i++) {
      if (i < 4) {
        feed.watchers.add(watch.watch(keys.rootBytes(), WatchOption.builder().isPrefix(true).build(), count));
      } else {
        feed.watchers.add(watch.watch(keys.key(i * 97 % keys.count()), WatchOption.DEFAULT, count));
      }
    }
    feed.writer.scheduleAtFixedRate(() -> {
      int n = feed.writes.getAndIncrement();
      // Rewrites the keys the single-key watchers watch first, so they see events too.
      int index = (4 + n % (WATCHERS - 4)) * 97 % keys.count();
      direct.put(keys.key(index), keys.value(index));
    }, 0, 1_000_000 / WRITES_PER_SECOND, TimeUnit.MICROSECONDS);
    return feed;
  }

  /** Events the watchers received so far. */
  long events() {
    return events.get();
  }

  /** Writes sent so far. */
  int writes() {
    return writes.get();
  }

  @Override
  public void close() {
    writer.shutdownNow();
    watchers.forEach(Watch.Watcher::close);
  }
}
