package dev.etcdcache.core;

import dev.etcdcache.core.consistency.CachedReads;
import dev.etcdcache.core.watch.BacklogListener;
import dev.etcdcache.core.watch.WatchHub;
import dev.etcdcache.core.watch.WireWatchResponse;
import dev.etcdcache.core.wire.WireForm;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;


/**
 * etcd's v3 wire API (its protobuf requests and responses) served from a {@link CachingClient}'s
 * mirror: the one seam for code that speaks etcd's protocol to its own clients, such as
 * {@code cache-server}. It adds nothing to the client's promises and gives the same answers as
 * {@link CachingKV} and {@link CachingWatch}, without translating them to jetcd's types and back.
 *
 * <p>Thread-safe. Obtained from {@link CachingClient#wire()}.
 */
public final class CacheWire {

  /** Receives one watch's responses, one callback at a time, in order. */
  public interface Listener {
    /** A response as etcd would send it, except that its {@code watch_id} is left for the caller to set. */
    void onResponse(io.etcd.jetcd.api.WatchResponse response);

    /**
     * As {@link #onResponse(io.etcd.jetcd.api.WatchResponse)}, knowing that {@code behind} more
     * deliveries were queued for this watch when it was handed over: a listener far behind may hold
     * responses and pass a run of revisions on as one, until {@link #handOverEnded()}.
     */
    default void onResponse(io.etcd.jetcd.api.WatchResponse response, int behind) {
      onResponse(response);
    }

    /** A run of deliveries ended: anything held back must go out now (see {@link BacklogListener}). */
    default void handOverEnded() { }

    /**
     * The watch ended with an error: {@link io.etcd.jetcd.common.exception.CompactedException}
     * (etcd cancels it with that compact revision), or the status etcd gave; {@link #onCompleted}
     * may follow. Passing outages of etcd (which a jetcd listener hears as an UNAVAILABLE
     * {@code EtcdException} while its watch stays open) are not passed on: the watch stays open
     * and resumes with nothing lost, so a server keeps its client's watch open across them.
     */
    void onError(Throwable error);

    /** The watch ended; nothing follows. */
    void onCompleted();
  }

  private final CachedReads reads;
  private final WatchHub hub;

  CacheWire(CachedReads reads, WatchHub hub) {
    this.reads = reads;
    this.hub = hub;
  }

  /**
   * etcd's answer to {@code request}: linearizable unless it is marked serializable (the client's
   * default consistency may relax this), from memory when the mirror can answer exactly, from etcd
   * otherwise. Fails as etcd would, with the {@code io.grpc.StatusRuntimeException} etcd sent.
   */
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    Objects.requireNonNull(request, "request");
    return reads.range(request);
  }

  /**
   * As {@link #range(RangeRequest)}, with a read from memory that has to wait (a linearizable read
   * waits for etcd's revision) evaluated and completed on {@code answerOn} rather than on the
   * thread that ended the wait: many reads share one wait, and one thread answering them all would
   * be the bottleneck. A server passes the event loop of the caller's connection. An answer etcd
   * gives (a read the mirror cannot serve) completes on the etcd client's thread, as it arrives.
   */
  public CompletableFuture<RangeResponse> range(RangeRequest request, java.util.concurrent.Executor answerOn) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(answerOn, "answerOn");
    return reads.range(request, answerOn);
  }

  /**
   * Opens a watch for {@code request} with etcd's semantics, sharing the client's upstream watch.
   * The first response is always the {@code created} one (header = the revision the watch was
   * created at), as etcd sends it. {@code fragment} is the caller's to apply: responses are whole.
   */
  public Watch.Watcher watch(WatchCreateRequest request, Listener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(listener, "listener");
    return hub.watch(ByteSequence.from(request.getKey()), WireForm.watchOption(request), new BacklogListener() {
      @Override
      public void onNext(WatchResponse response, int behind) {
        listener.onResponse(response instanceof WireWatchResponse own ? own.wire() : WireForm.watchResponse(response),
            behind);
      }

      @Override
      public void handOverEnded() {
        listener.handOverEnded();
      }

      @Override
      public void onError(Throwable error) {
        if (error instanceof EtcdException e && e.getErrorCode() == ErrorCode.UNAVAILABLE) {
          return; // etcd is away for a moment; the watch resumes by itself
        }
        listener.onError(error);
      }

      @Override
      public void onCompleted() {
        listener.onCompleted();
      }
    });
  }

  /** Asks every open watch for a progress notification at the mirror's current revision. */
  public void requestProgress() {
    hub.requestProgress();
  }
}
