package dev.etcdcache.core.passthrough;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Lets identical concurrent requests share one RPC without giving up linearizability: a caller
 * never joins an RPC that is already in flight (it may have been served before the caller
 * arrived); it joins the next one, which starts as soon as the one in flight ends. So every caller's
 * answer was produced by an RPC that started after the caller asked, and under load each key has
 * at most one RPC in flight however many callers wait.
 *
 * <p>Thread-safe. Callers' futures complete on the thread that completes the RPC's future.
 * Internal, no compatibility promise.
 *
 * @param <K> the request identity (must have value equality)
 * @param <V> the response
 */
public final class Coalescer<K, V> {

  /** One key's state: whether an RPC is in flight, and the round waiting to start after it. */
  private static final class Slot<V> {
    boolean inFlight;
    boolean dead;
    CompletableFuture<V> next;
    Supplier<CompletableFuture<V>> nextCall;
  }

  private final ConcurrentHashMap<Object, Slot<V>> slots = new ConcurrentHashMap<>();
  private final LongAdder calls = new LongAdder();
  private final LongAdder rpcs = new LongAdder();

  /** The response of an RPC for {@code key} that starts no earlier than this call. */
  public CompletableFuture<V> call(K key, Supplier<CompletableFuture<V>> rpc) {
    calls.increment();
    while (true) {
      Slot<V> slot = slots.computeIfAbsent(key, k -> new Slot<>());
      CompletableFuture<V> mine;
      boolean launch;
      synchronized (slot) {
        if (slot.dead) {
          continue;
        }
        if (slot.next == null) {
          slot.next = new CompletableFuture<>();
          slot.nextCall = rpc;
        }
        mine = slot.next;
        launch = !slot.inFlight;
        if (launch) {
          slot.inFlight = true;
          slot.next = null;
          slot.nextCall = null;
        }
      }
      if (launch) {
        fire(key, slot, mine, rpc);
      }
      return mine;
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

  private void fire(Object key, Slot<V> slot, CompletableFuture<V> round, Supplier<CompletableFuture<V>> rpc) {
    rpcs.increment();
    CompletableFuture<V> sent;
    try {
      sent = rpc.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((value, failure) -> {
      CompletableFuture<V> following = null;
      Supplier<CompletableFuture<V>> followingCall = null;
      synchronized (slot) {
        if (slot.next != null) {
          following = slot.next;
          followingCall = slot.nextCall;
          slot.next = null;
          slot.nextCall = null;
        } else {
          slot.inFlight = false;
          slot.dead = true;
          slots.remove(key, slot);
        }
      }
      if (following != null) {
        fire(key, slot, following, followingCall);
      }
      if (failure != null) {
        round.completeExceptionally(unwrap(failure));
      } else {
        round.complete(value);
      }
    });
  }

  private static Throwable unwrap(Throwable failure) {
    if (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) {
      return failure.getCause();
    }
    return failure;
  }
}
