package dev.etcdcache.server;

import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A raw Watch stream that records every response it receives, for comparing two servers. */
final class RecordedStream implements AutoCloseable {

  private final List<WatchResponse> received = new ArrayList<>();
  private final StreamObserver<WatchRequest> requests;
  private Throwable error;

  RecordedStream(Channel channel) {
    requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse value) {
        synchronized (RecordedStream.this) {
          received.add(value);
          RecordedStream.this.notifyAll();
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (RecordedStream.this) {
          error = t;
          RecordedStream.this.notifyAll();
        }
      }

      @Override
      public void onCompleted() {
      }
    });
  }

  void create(WatchCreateRequest r) {
    send(WatchRequest.newBuilder().setCreateRequest(r).build());
  }

  synchronized void send(WatchRequest r) {
    requests.onNext(r);
  }

  /** Everything received so far. */
  synchronized List<WatchResponse> responses() {
    return List.copyOf(received);
  }

  synchronized Throwable error() {
    return error;
  }

  /** Waits (hang guard: 30 s) until the responses received satisfy {@code done}; returns them. */
  synchronized List<WatchResponse> await(Predicate<List<WatchResponse>> done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.test(received) && error == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return List.copyOf(received);
  }

  /** Waits until {@code n} responses have arrived. */
  List<WatchResponse> await(int n) throws InterruptedException {
    return await(l -> l.size() >= n);
  }

  /** Waits {@code quiet} for anything more to arrive, then returns all. */
  List<WatchResponse> settle(Duration quiet) throws InterruptedException {
    ServerFixture.pause(quiet);
    return responses();
  }

  @Override
  public synchronized void close() {
    try {
      requests.onError(new RuntimeException("test done"));
    } catch (RuntimeException ignored) {
      // already closed
    }
  }
}
