package dev.etcdcache.core.passthrough;

import dev.etcdcache.core.wire.EtcdFailures;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Lets identical concurrent requests share one RPC without giving up linearizability.
 *
 * <h2>Rounds</h2>
 * A caller never joins an RPC already in flight (it may have been answered before the caller
 * arrived); it joins the next round, which starts after the one in flight has answered. So every
 * caller's answer comes from an RPC that started after the caller asked, and each key has at most one
 * RPC in flight however many callers wait.
 *
 * <h2>Gathering</h2>
 * Callers woken by one answer come back a moment later. If the next round would start with fewer
 * callers than recent rounds had, it waits for them up to {@code gatherNanos}, starting as soon as it
 * has as many. The remembered crowd size decays by an eighth per round (and by at least one), so a
 * smaller crowd waits only for a few rounds after a burst, and never otherwise.
 *
 * <p>Thread-safe. Callers' futures complete on the thread that completes the RPC's future.
 * Internal, no compatibility promise.
 *
 * @param <K> the request identity (must have value equality)
 * @param <V> the response
 */
public final class Coalescer<K, V> {

  /** A round of callers waiting for one RPC. */
  private static final class Round<V> {
    final CompletableFuture<V> result = new CompletableFuture<>();
    final Supplier<CompletableFuture<V>> rpc;
    int callers;

    Round(Supplier<CompletableFuture<V>> rpc) {
      this.rpc = rpc;
    }
  }

  /** One key's state; every field is guarded by the slot's monitor. */
  private static final class Slot<V> {
    boolean busy;
    boolean gathering;
    boolean dead;
    int lastRoundCallers = 1;
    Round<V> next;
  }

  private final ConcurrentHashMap<Object, Slot<V>> slots = new ConcurrentHashMap<>();
  private final Executor gatherTimer;
  private final LongAdder calls = new LongAdder();
  private final LongAdder rpcs = new LongAdder();

  /** A coalescer whose rounds wait at most 500 µs, about one local RPC, for callers of the previous round. */
  public Coalescer() {
    this(TimeUnit.MICROSECONDS.toNanos(500));
  }

  /** A coalescer whose rounds wait at most {@code gatherNanos} for callers of the previous round. */
  public Coalescer(long gatherNanos) {
    // The gathered round starts on the JDK's delay thread itself: starting it only sends an RPC,
    // which does not block. Not on CompletableFuture's default async pool: with fewer than three
    // cores that pool starts a new thread for every task, one per round here.
    this.gatherTimer = CompletableFuture.delayedExecutor(gatherNanos, TimeUnit.NANOSECONDS, Runnable::run);
  }

  /** The response of an RPC for {@code key} that starts no earlier than this call. */
  public CompletableFuture<V> call(K key, Supplier<CompletableFuture<V>> rpc) {
    calls.increment();
    while (true) {
      Slot<V> slot = slots.computeIfAbsent(key, k -> new Slot<>());
      Round<V> mine;
      Round<V> launch = null;
      synchronized (slot) {
        if (slot.dead) {
          continue;
        }
        if (slot.next == null) {
          slot.next = new Round<>(rpc);
        }
        mine = slot.next;
        mine.callers++;
        if (!slot.busy || (slot.gathering && mine.callers >= slot.lastRoundCallers)) {
          launch = takeNextLocked(slot);
        }
      }
      if (launch != null) {
        fire(key, slot, launch);
      }
      return mine.result;
    }
  }

  /** How many callers asked. */
  public long calls() {
    return calls.sum();
  }

  /** How many RPCs were sent for them. */
  public long rpcs() {
    return rpcs.sum();
  }

  private Round<V> takeNextLocked(Slot<V> slot) {
    Round<V> round = slot.next;
    slot.next = null;
    slot.busy = true;
    slot.gathering = false;
    // Remember the crowd for a while: one thin round (callers still waking up) must not make
    // every later round start thin.
    // At least one less per round: an eighth of fewer than eight is none, and the expected crowd
    // would then stay at seven for ever, making every round of fewer callers wait out gatherNanos.
    slot.lastRoundCallers = Math.max(round.callers,
        slot.lastRoundCallers - Math.max(1, slot.lastRoundCallers / 8));
    return round;
  }

  private void fire(Object key, Slot<V> slot, Round<V> round) {
    rpcs.increment();
    CompletableFuture<V> sent;
    try {
      sent = round.rpc.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((value, failure) -> {
      // Deliver first: callers that react at once to this answer can still join the next round.
      if (failure != null) {
        round.result.completeExceptionally(EtcdFailures.unwrap(failure));
      } else {
        round.result.complete(value);
      }
      Round<V> following = null;
      boolean gather = false;
      synchronized (slot) {
        if (slot.next == null) {
          slot.busy = false;
          slot.dead = true;
          slots.remove(key, slot);
        } else if (slot.next.callers >= slot.lastRoundCallers) {
          following = takeNextLocked(slot);
        } else {
          slot.gathering = true;
          gather = true;
        }
      }
      if (following != null) {
        fire(key, slot, following);
      } else if (gather) {
        gatherTimer.execute(() -> startGathered(key, slot));
      }
    });
  }

  private void startGathered(Object key, Slot<V> slot) {
    Round<V> round = null;
    synchronized (slot) {
      if (slot.gathering) {
        round = takeNextLocked(slot);
      }
    }
    if (round != null) {
      fire(key, slot, round);
    }
  }

}
