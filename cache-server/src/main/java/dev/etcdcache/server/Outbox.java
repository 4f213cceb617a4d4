package dev.etcdcache.server;

import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;

/**
 * The outbound side of one watch stream: responses go to gRPC only while the stream
 * {@linkplain ServerCallStreamObserver#isReady() is ready} (the client reads and HTTP/2 flow
 * control has room); the rest wait here, in order, and go out from the stream's on-ready callback.
 * Past {@code limitBytes} waiting, the client is not keeping up: the stream is closed with
 * RESOURCE_EXHAUSTED and everything waiting is dropped, so one client that never reads cannot grow
 * the server's memory, and nobody else waits for it. No thread is involved: senders enqueue and
 * drain on their own thread, gRPC's on-ready callback drains the rest.
 *
 * <p>Thread-safe (every method holds this object's monitor; the observer is only touched under it).
 */
final class Outbox {

  private final ServerCallStreamObserver<WatchResponse> observer;
  private final long limitBytes;
  private final ArrayDeque<WatchResponse> waiting = new ArrayDeque<>();
  private long waitingBytes;
  private boolean closed;

  Outbox(ServerCallStreamObserver<WatchResponse> observer, long limitBytes) {
    this.observer = observer;
    this.limitBytes = limitBytes;
    observer.setOnReadyHandler(this::drain);
  }

  /**
   * Sends {@code response} now or once the client reads. Returns false when the outbox is closed,
   * or closes it now because the client is too far behind; the caller then ends the stream's watches.
   */
  synchronized boolean send(WatchResponse response) {
    if (closed) {
      return false;
    }
    waiting.add(response);
    waitingBytes += response.getSerializedSize();
    drain();
    if (waitingBytes > limitBytes) {
      fail(Status.RESOURCE_EXHAUSTED.withDescription("etcd-cache: watch stream closed: the client did not read "
          + waitingBytes + " bytes of watch responses (limit " + limitBytes + ")"));
      return false;
    }
    return true;
  }

  /** Bytes waiting for the client. */
  synchronized long waitingBytes() {
    return waitingBytes;
  }

  /** Drops whatever waits and ends the stream with {@code status}, unless already closed. */
  synchronized void fail(Status status) {
    if (closed) {
      return;
    }
    closed = true;
    waiting.clear();
    waitingBytes = 0;
    if (!observer.isCancelled()) {
      try {
        observer.onError(status.asRuntimeException());
      } catch (IllegalStateException alreadyClosed) {
        // The call ended meanwhile.
      }
    }
  }

  /** Marks the outbox closed without sending anything (the call is gone). */
  synchronized void discard() {
    closed = true;
    waiting.clear();
    waitingBytes = 0;
  }

  private synchronized void drain() {
    while (!closed && !waiting.isEmpty() && observer.isReady()) {
      WatchResponse r = waiting.poll();
      waitingBytes -= r.getSerializedSize();
      observer.onNext(r);
    }
  }
}
