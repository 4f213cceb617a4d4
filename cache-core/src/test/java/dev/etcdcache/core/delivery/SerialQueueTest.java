package dev.etcdcache.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The shared bounded delivery queue on a hand-run executor: no threads, no waiting. */
class SerialQueueTest {

  private final ManualExecutor executor = new ManualExecutor();
  private final List<Integer> delivered = new ArrayList<>();
  private int drainedCalls;
  private final SerialQueue<Integer> queue = new SerialQueue<>(executor, 3, (i, behind) -> delivered.add(i), () -> drainedCalls++);

  @Test
  void offer_belowBound_deliversInOrderOnTheExecutor() {
    assertThat(queue.offer(1)).isTrue();
    assertThat(queue.offer(2)).isTrue();
    assertThat(delivered).as("nothing before the executor runs").isEmpty();
    executor.runAll();
    assertThat(delivered).containsExactly(1, 2);
    assertThat(queue.size()).isZero();
  }

  @Test
  void offer_atBound_refused_addStillQueues() {
    IntStream.rangeClosed(1, 3).forEach(i -> assertThat(queue.offer(i)).isTrue());
    assertThat(queue.offer(4)).isFalse();
    queue.add(5);
    assertThat(queue.size()).isEqualTo(4);
    executor.runAll();
    assertThat(delivered).containsExactly(1, 2, 3, 5);
  }

  @Test
  void manyItems_oneDrainTaskAtATime_inBatches() {
    IntStream.range(0, 200).forEach(queue::add);
    assertThat(executor.tasks).as("one drain task however many items").hasSize(1);
    executor.runOne();
    assertThat(delivered).hasSize(SerialQueue.DRAIN_BATCH);
    assertThat(executor.tasks).as("the drain resubmits itself").hasSize(1);
    executor.runAll();
    assertThat(delivered).isEqualTo(IntStream.range(0, 200).boxed().toList());
  }

  @Test
  void sink_toldHowManyAreBehindEachItem_andWhenEachHandOverEnds() {
    List<String> seen = new ArrayList<>();
    SerialQueue<Integer> q = new SerialQueue<>(executor, 1000, new SerialQueue.Sink<Integer>() {
      @Override
      public void accept(Integer item, int behind) {
        seen.add(item + "/" + behind);
      }

      @Override
      public void handOverEnded() {
        seen.add("end");
      }
    }, () -> { });
    IntStream.range(0, SerialQueue.DRAIN_BATCH + 2).forEach(q::add);
    executor.runOne();
    assertThat(seen).hasSize(SerialQueue.DRAIN_BATCH + 1);
    assertThat(seen.get(0)).isEqualTo("0/" + (SerialQueue.DRAIN_BATCH + 1));
    assertThat(seen.get(SerialQueue.DRAIN_BATCH - 1)).as("two still queued for the next hand-over")
        .isEqualTo((SerialQueue.DRAIN_BATCH - 1) + "/2");
    assertThat(seen.get(SerialQueue.DRAIN_BATCH)).isEqualTo("end");
    seen.clear();
    executor.runAll();
    assertThat(seen).containsExactly(SerialQueue.DRAIN_BATCH + "/1", (SerialQueue.DRAIN_BATCH + 1) + "/0", "end");
    seen.clear();
    q.notifyWhenDrained();
    executor.runAll();
    assertThat(seen).as("no hand-over, no end").isEmpty();
  }

  @Test
  void notifyWhenDrained_runsOnceAfterTheQueueEmpties() {
    queue.add(1);
    queue.add(2);
    queue.notifyWhenDrained();
    assertThat(drainedCalls).isZero();
    executor.runAll();
    assertThat(delivered).containsExactly(1, 2);
    assertThat(drainedCalls).isEqualTo(1);
    queue.add(3);
    executor.runAll();
    assertThat(drainedCalls).as("once per request").isEqualTo(1);
  }

  @Test
  void notifyWhenDrained_emptyQueue_runsAtOnceOnTheExecutor() {
    queue.notifyWhenDrained();
    assertThat(drainedCalls).isZero();
    executor.runAll();
    assertThat(drainedCalls).isEqualTo(1);
  }

  @Test
  void itemsQueuedByTheDrainedCallback_areDeliveredByTheSameSerialDrain() {
    SerialQueue<Integer>[] self = newArray();
    self[0] = new SerialQueue<>(executor, 3, (i, behind) -> delivered.add(i), () -> self[0].add(99));
    self[0].add(1);
    self[0].notifyWhenDrained();
    executor.runAll();
    assertThat(delivered).containsExactly(1, 99);
  }

  @Test
  void close_discardsQueuedAndLaterItems_andTheDrainedCallback() {
    queue.add(1);
    queue.notifyWhenDrained();
    queue.close();
    queue.add(2);
    executor.runAll();
    assertThat(delivered).isEmpty();
    assertThat(drainedCalls).isZero();
    assertThat(queue.size()).isZero();
  }

  @Test
  void executorRefuses_queueIsDiscarded_andLaterItemsTryAgain() {
    executor.refuse = true;
    queue.add(1);
    assertThat(queue.size()).isZero();
    executor.refuse = false;
    queue.add(2);
    executor.runAll();
    assertThat(delivered).containsExactly(2);
  }

  @Test
  void inline_add_deliversAtOnceOnTheAddingThread_inOrder() {
    List<String> threads = new ArrayList<>();
    SerialQueue<Integer> inline = SerialQueue.inline(3, (i, behind) -> {
      delivered.add(i);
      threads.add(Thread.currentThread().getName());
    }, () -> drainedCalls++);
    inline.add(1);
    inline.offer(2);
    assertThat(delivered).containsExactly(1, 2);
    assertThat(threads).containsOnly(Thread.currentThread().getName());
    assertThat(inline.size()).isZero();
    assertThat(inline.isInline()).isTrue();
  }

  @Test
  void inline_itemAddedWhileDraining_isDeliveredAfterTheCurrentOne_byTheSameDrain() {
    SerialQueue<Integer>[] self = newArray();
    List<Integer> depthAtDelivery = new ArrayList<>();
    int[] depth = {0};
    self[0] = SerialQueue.inline(3, (i, behind) -> {
      depth[0]++;
      depthAtDelivery.add(depth[0]);
      delivered.add(i);
      if (i < 5) {
        self[0].add(i + 1); // a listener's own close or a re-entrant add: queued, not nested
      }
      depth[0]--;
    }, () -> drainedCalls++);
    self[0].add(1);
    assertThat(delivered).containsExactly(1, 2, 3, 4, 5);
    assertThat(depthAtDelivery).containsOnly(1);
  }

  @Test
  void inline_notifyWhenDrained_runsTheCallbackAtOnce_onTheCallingThread() {
    SerialQueue<Integer> inline = SerialQueue.inline(3, (i, behind) -> delivered.add(i), () -> drainedCalls++);
    inline.notifyWhenDrained();
    assertThat(drainedCalls).isEqualTo(1);
  }

  @SuppressWarnings("unchecked")
  private static SerialQueue<Integer>[] newArray() {
    return (SerialQueue<Integer>[]) new SerialQueue<?>[1];
  }

  /** Runs submitted tasks only when asked, on the test thread; refuses them when told to. */
  private static final class ManualExecutor implements Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    boolean refuse;

    @Override
    public void execute(Runnable command) {
      if (refuse) {
        throw new RejectedExecutionException("shut down");
      }
      tasks.add(command);
    }

    void runOne() {
      tasks.poll().run();
    }

    void runAll() {
      Runnable t;
      while ((t = tasks.poll()) != null) {
        t.run();
      }
    }
  }
}
