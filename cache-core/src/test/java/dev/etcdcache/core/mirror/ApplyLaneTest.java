package dev.etcdcache.core.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ApplyLane}: a task runs on the calling thread only when nothing posted before it is
 * unfinished, posted tasks keep their order, and no two tasks ever run at once.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ApplyLaneTest {

  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
  private final ApplyLane lane = new ApplyLane(thread);

  @AfterEach
  void stop() {
    thread.shutdownNow();
  }

  @Test
  void runHere_emptyLane_runsOnTheCallingThread_asTheApplier() {
    List<String> seen = new ArrayList<>();
    boolean ran = lane.runHere(() -> seen.add(Thread.currentThread().getName() + " " + lane.isCurrentApplier()));
    assertThat(ran).isTrue();
    assertThat(seen).containsExactly(Thread.currentThread().getName() + " true");
    assertThat(lane.isCurrentApplier()).isFalse();
  }

  @Test
  void runHere_whileAPostedTaskIsQueuedOrRunning_refuses_soTheCallerPostsBehindIt() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    lane.execute(() -> {
      running.countDown();
      await(release);
    });
    lane.execute(() -> {}); // queued behind the running one
    running.await();
    AtomicInteger ranHere = new AtomicInteger();
    assertThat(lane.runHere(ranHere::incrementAndGet)).isFalse();
    release.countDown();
    CountDownLatch drained = new CountDownLatch(1);
    lane.execute(drained::countDown);
    drained.await();
    // Everything posted has finished: the lane is empty again (the count drops before the lock).
    awaitTrue(() -> lane.runHere(ranHere::incrementAndGet));
    assertThat(ranHere.get()).isEqualTo(1);
  }

  @Test
  void postedAndRunHereTasks_fromOneProducer_keepItsOrder_andNeverOverlap() throws Exception {
    List<Integer> order = new ArrayList<>(); // unsynchronized on purpose: the lane's lock guards it
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      int k = i;
      Runnable task = () -> {
        if (inside.incrementAndGet() != 1) {
          overlaps.incrementAndGet();
        }
        order.add(k);
        inside.decrementAndGet();
      };
      // As WatchLoop: try on the receiving thread, post if the lane is busy; every tenth is "large".
      if (i % 10 == 0 || !lane.runHere(task)) {
        lane.execute(task);
      }
    }
    CountDownLatch done = new CountDownLatch(1);
    lane.execute(done::countDown);
    done.await();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add(i);
    }
    // The latch orders every task's writes before this read.
    assertThat(order).isEqualTo(expected);
    assertThat(overlaps.get()).isZero();
  }

  @Test
  void delayedTasks_holdTheLane_whileTheyRun() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    lane.schedule(() -> {
      running.countDown();
      await(release);
    }, 1, TimeUnit.MILLISECONDS);
    running.await();
    assertThat(lane.runHere(() -> {})).isFalse();
    release.countDown();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Retries {@code condition} until true: a hang guard (the test's timeout), not a speed bar. */
  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    while (!condition.getAsBoolean()) {
      Thread.sleep(1);
    }
  }
}
