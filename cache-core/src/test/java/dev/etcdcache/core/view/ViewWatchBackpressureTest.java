package dev.etcdcache.core.view;

import static dev.etcdcache.core.view.TestObjects.LABEL;
import static dev.etcdcache.core.view.TestObjects.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.api.CacheEvent;
import dev.etcdcache.api.CacheEventListener;
import dev.etcdcache.api.Query;
import dev.etcdcache.core.view.TestObjects.Obj;
import io.etcd.jetcd.common.exception.CompactedException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Slow view watchers: bounded queues, catch-up from the history, and routing by index value. */
class ViewWatchBackpressureTest {

  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private final ViewDriver driver = new ViewDriver(TestObjects.store(10, "t/a", "prod|web|a"), "t/", executor);

  @AfterEach
  void tearDown() {
    driver.view.close();
    executor.shutdownNow();
  }

  @Test
  void slowListener_overflowsItsQueue_thenGetsEveryRevisionOnceInOrder() throws Exception {
    int revisions = dev.etcdcache.core.CacheConfig.defaults().watcherQueueLimit() * 3;
    CountDownLatch release = new CountDownLatch(1);
    List<Long> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    long last = 10 + revisions;
    driver.view.watch(0, Query.all(), event -> {
      awaitQuietly(release);
      seen.add(event.revision());
      if (event.revision() == last) {
        done.complete(null);
      }
    });
    List<Long> fast = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> fastDone = new CompletableFuture<>();
    driver.view.watch(0, Query.all(), event -> {
      fast.add(event.revision());
      if (event.revision() == last) {
        fastDone.complete(null);
      }
    });
    for (long r = 11; r <= last; r++) {
      driver.put(r, "t/k" + (r % 50), "prod|web|v" + r);
    }
    release.countDown();
    done.get(30, TimeUnit.SECONDS);
    fastDone.get(30, TimeUnit.SECONDS);
    List<Long> expected = LongStream.rangeClosed(11, last).boxed().toList();
    assertThat(seen).as(() -> "slow: " + describe(seen)).isEqualTo(expected);
    assertThat(fast).as(() -> "fast: " + describe(fast)).isEqualTo(expected);
    assertThat(driver.view.watcherOverflows()).isPositive();
  }

  @Test
  void slowListener_fallsOffTheHistory_endsWithCompaction() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    driver.view.watch(0, Query.all(), new CacheEventListener<>() {
      @Override
      public void onEvent(CacheEvent<Obj> event) {
        awaitQuietly(release);
      }

      @Override
      public void onError(Throwable t) {
        failure.complete(t);
      }
    });
    // The detached view keeps 10,000 changes: write past them while the listener is stuck.
    long last = 10 + 12_000;
    for (long r = 11; r <= last; r++) {
      driver.put(r, "t/k" + (r % 50), "prod|web|v" + r);
    }
    release.countDown();
    assertThat(failure.get(30, TimeUnit.SECONDS)).isInstanceOf(CompactedException.class);
    assertThat(((CompactedException) failure.get()).getCompactedRevision()).isGreaterThan(11 + 1024);
  }

  @Test
  void eqWatchers_areOfferedOnlyChangesHoldingTheirValue_beforeOrAfter() {
    ViewWatchers<Obj> watchers = new ViewWatchers<>();
    ViewWatcher<Obj> prod = watcher(Query.eq(NAMESPACE, "prod"));
    ViewWatcher<Obj> opsWeb = watcher(Query.eq(NAMESPACE, "ops").and(Query.eq(LABEL, "web")));
    ViewWatcher<Obj> any = watcher(Query.eq(NAMESPACE, "x").or(Query.eq(NAMESPACE, "y")));
    List.of(prod, opsWeb, any).forEach(watchers::add);
    Obj inProd = TestObjects.expected("prod|web|a");
    Obj inOps = TestObjects.expected("ops|db|a");
    Obj inDev = TestObjects.expected("dev|web|a");

    assertThat(offered(watchers, new KeyChange<>(TestObjects.bytes("t/a"), null, inDev))).containsExactly(any);
    assertThat(offered(watchers, new KeyChange<>(TestObjects.bytes("t/a"), inProd, inOps)))
        .containsExactlyInAnyOrder(any, prod, opsWeb);
    assertThat(offered(watchers, new KeyChange<>(TestObjects.bytes("t/a"), inOps, null)))
        .containsExactlyInAnyOrder(any, opsWeb);

    watchers.remove(opsWeb);
    assertThat(watchers.size()).isEqualTo(2);
    assertThat(offered(watchers, new KeyChange<>(TestObjects.bytes("t/a"), inOps, null))).containsExactly(any);
  }

  private static List<ViewWatcher<Obj>> offered(ViewWatchers<Obj> watchers, KeyChange<Obj> change) {
    List<ViewWatcher<Obj>> out = new CopyOnWriteArrayList<>();
    watchers.forEachConcerned(new RevisionChanges<>(11, List.of(change)), out::add);
    return out;
  }

  private static ViewWatcher<Obj> watcher(Query<Obj> q) {
    return new ViewWatcher<>(q, e -> {}, Runnable::run, 16, w -> {}, () -> {}, nanos -> {});
  }

  /** Size and the first place a list of revisions is not consecutive, for a readable failure. */
  private static String describe(List<Long> revisions) {
    for (int i = 1; i < revisions.size(); i++) {
      if (revisions.get(i) != revisions.get(i - 1) + 1) {
        return revisions.size() + " revisions, " + revisions.get(i - 1) + " then " + revisions.get(i) + " at " + i;
      }
    }
    return revisions.size() + " consecutive revisions";
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
