package dev.etcdcache.core.passthrough;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CoalescerTest {

  @Test
  void callersArrivingWhileAnRpcIsInFlight_shareOneRpcThatStartsAfterTheFirstAnswered() throws Exception {
    Coalescer<String, Integer> coalescer = new Coalescer<>();
    AtomicInteger sent = new AtomicInteger();
    List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
    java.util.function.Supplier<CompletableFuture<Integer>> rpc = () -> {
      CompletableFuture<Integer> answer = new CompletableFuture<>();
      synchronized (inFlight) {
        inFlight.add(answer);
      }
      sent.incrementAndGet();
      return answer;
    };
    CompletableFuture<Integer> first = coalescer.call("k", rpc);
    List<CompletableFuture<Integer>> later = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      later.add(coalescer.call("k", rpc));
    }
    // The ten arrived after the first RPC was sent: none may take its answer.
    assertThat(sent).hasValue(1);
    inFlight.get(0).complete(1);
    assertThat(first.get(1, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(later).noneMatch(CompletableFuture::isDone);
    // One RPC for the ten, started once the first answered (at once or after gathering).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sent.get() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(sent).hasValue(2);
    inFlight.get(1).complete(2);
    for (CompletableFuture<Integer> f : later) {
      assertThat(f.get(1, TimeUnit.SECONDS)).isEqualTo(2);
    }
    assertThat(coalescer.calls()).isEqualTo(11);
    assertThat(coalescer.rpcs()).isEqualTo(2);
  }

  @Test
  void afterABurst_roundsOfFewerCallersStopWaitingToGather_onceTheRememberedCrowdHasShrunk() throws Exception {
    Coalescer<String, Integer> coalescer = new Coalescer<>(TimeUnit.MILLISECONDS.toNanos(20));
    List<CompletableFuture<Integer>> rpcs = new CopyOnWriteArrayList<>();
    java.util.function.Supplier<CompletableFuture<Integer>> rpc = () -> {
      CompletableFuture<Integer> answer = new CompletableFuture<>();
      rpcs.add(answer);
      return answer;
    };
    coalescer.call("k", rpc);
    for (int i = 0; i < 12; i++) {
      coalescer.call("k", rpc);
    }
    rpcs.get(0).complete(0); // the crowd of twelve starts at once: the slot now expects twelve
    assertThat(rpcs).hasSize(2);
    List<Boolean> startedAtOnce = new ArrayList<>();
    for (int round = 0; round < 30; round++) {
      coalescer.call("k", rpc);
      coalescer.call("k", rpc); // two callers wait while the last round's RPC is in flight
      int sent = rpcs.size();
      rpcs.get(sent - 1).complete(round);
      // Started by the answer itself (at once), or later by the gathering timer.
      startedAtOnce.add(rpcs.size() > sent);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (rpcs.size() == sent && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(rpcs).hasSize(sent + 1);
    }
    // Twelve, less an eighth and at least one per round, reaches two in ten rounds; it used to stop
    // at seven (an eighth of seven is none), so every round of two waited out the gathering.
    assertThat(startedAtOnce.subList(0, 5)).containsOnly(false);
    assertThat(startedAtOnce.subList(15, 30)).containsOnly(true);
  }

  @Test
  void gatheredRounds_startOnOneTimerThread_notOnAThreadEach() throws Exception {
    // CompletableFuture's default async pool starts a thread per task on machines with < 3 cores:
    // a gathered round must not be started from there.
    Coalescer<String, Integer> coalescer = new Coalescer<>(TimeUnit.MICROSECONDS.toNanos(100));
    Set<Thread> gatheredOn = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 20; i++) {
      String key = "k" + i;
      List<CompletableFuture<Integer>> answers = new ArrayList<>();
      CompletableFuture<Integer> firstRpc = new CompletableFuture<>();
      CompletableFuture<Integer> crowdRpc = new CompletableFuture<>();
      answers.add(coalescer.call(key, () -> firstRpc));
      for (int c = 0; c < 5; c++) {
        answers.add(coalescer.call(key, () -> crowdRpc));
      }
      firstRpc.complete(1); // the crowd of five starts at once: the slot now expects five
      // One caller alone while the crowd's RPC is in flight: its round waits to gather, then starts.
      CompletableFuture<Integer> lone = coalescer.call(key, () -> {
        gatheredOn.add(Thread.currentThread());
        return CompletableFuture.completedFuture(3);
      });
      crowdRpc.complete(2);
      assertThat(lone.get(5, TimeUnit.SECONDS)).isEqualTo(3);
      for (CompletableFuture<Integer> a : answers) {
        assertThat(a.get(5, TimeUnit.SECONDS)).isIn(1, 2);
      }
    }
    assertThat(gatheredOn).as("threads that started the 20 gathered rounds").hasSizeLessThanOrEqualTo(2);
    assertThat(coalescer.rpcs()).isEqualTo(60);
  }
}
